#include "server_bench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace redline::bench {

Percentiles Summarize(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {  // nearest rank
    size_t i = static_cast<size_t>(std::ceil(q * v.size()));
    return v[std::clamp<size_t>(i, 1, v.size()) - 1];
  };
  return {rank(0.50), rank(0.99), rank(0.999)};
}

std::string MachineDescription() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  int processors = 0;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "processor")) ++processors;
    if (absl::StartsWith(line, "model name") && model == "unknown CPU") {
      const size_t colon = line.find(':');
      if (colon != std::string::npos)
        model = std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    }
  }
  return absl::StrFormat("%s, %d logical CPUs in /proc/cpuinfo, %u usable by this process", model,
                         processors, std::thread::hardware_concurrency());
}

std::string Us(double us) {
  return us >= 10000 ? absl::StrFormat("%.1f ms", us / 1000) : absl::StrFormat("%.0f µs", us);
}

std::string Rate(double per_s) {
  // Thousands separators by hand: absl::StrFormat has no %' flag.
  std::string digits = absl::StrFormat("%.0f", per_s);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

namespace {

// Display width of UTF-8 text (µ, ×, ≤ and ≥ are one column each).
size_t Width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

}  // namespace

void PrintTable(const std::vector<Row>& rows) {
  const std::vector<std::string> head = {"metric", "Redline", "baseline (health Check)",
                                         "ratio",  "target",  ""};
  std::vector<size_t> w(head.size());
  auto cells = [](const Row& r) {
    return std::vector<std::string>{r.metric, r.redline, r.baseline, r.ratio, r.target, r.verdict};
  };
  for (size_t i = 0; i < head.size(); ++i) w[i] = Width(head[i]);
  for (const Row& r : rows) {
    auto c = cells(r);
    for (size_t i = 0; i < c.size(); ++i) w[i] = std::max(w[i], Width(c[i]));
  }
  auto print = [&](const std::vector<std::string>& c) {
    std::string line;
    for (size_t i = 0; i < c.size(); ++i) {
      const std::string pad(w[i] - Width(c[i]), ' ');
      // Text columns left-aligned, figures right-aligned.
      line += (i == 0 || i >= 4) ? c[i] + pad : pad + c[i];
      if (i + 1 < c.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  };
  print(head);
  for (const Row& r : rows) print(cells(r));
}

std::string Verdict(bool met) { return met ? "met" : "MISSED"; }

}  // namespace redline::bench
