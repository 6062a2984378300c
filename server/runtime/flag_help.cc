#include "server/runtime/flag_help.h"

#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "spatial/base/edit_distance.h"

namespace redline::server {
namespace {

// redlined's own flags (not Abseil's --flagfile, --helpfull and such), by name.
std::vector<const absl::CommandLineFlag*> OwnFlags() {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::EndsWith(flag->Filename(), "server/main.cc")) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
  return flags;
}

// A help text wrapped at 76 columns, each line indented by six spaces.
std::string Wrapped(const std::string& text) {
  std::string out, line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() && line.size() + 1 + word.size() > 70) {
      absl::StrAppend(&out, "      ", line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  if (!line.empty()) absl::StrAppend(&out, "      ", line, "\n");
  return out;
}

void PrintHelp(absl::string_view usage) {
  std::cout << "redlined: " << usage << "\n\nFlags (--name=VALUE or --name VALUE; dashes or "
            << "underscores in names):\n";
  for (const absl::CommandLineFlag* flag : OwnFlags()) {
    const std::string value = flag->DefaultValue();
    std::cout << "  --" << flag->Name()
              << (flag->IsOfType<bool>() ? "" : absl::StrCat(" (default: \"", value, "\")")) << "\n"
              << Wrapped(flag->Help());
  }
  std::cout << "\nExit status: 0 after a clean stop, 2 for a bad flag or config, 1 when the data\n"
               "cannot be loaded or an address cannot be bound.\n";
}

// "; did you mean --config?" for the nearest of redlined's flags, or "".
std::string Suggestion(absl::string_view name) {
  std::string best;
  size_t best_distance = name.size() > 4 ? 3 : 2;
  for (const absl::CommandLineFlag* flag : OwnFlags()) {
    if (const size_t d = EditDistance(name, flag->Name()); d < best_distance) {
      best_distance = d;
      best = std::string(flag->Name());
    }
  }
  return best.empty() ? "" : absl::StrCat("; did you mean --", best, "?");
}

// Abseil's own usage flags, which it handles in ParseCommandLine without
// defining them as flags.
bool IsAbseilUsageFlag(absl::string_view name) {
  for (const char* usage : {"helpfull", "helpshort", "helppackage", "helpon", "helpmatch",
                            "version", "only_check_args"}) {
    if (name == usage) return true;
  }
  return false;
}

// The flag `name` (underscores for dashes), "noNAME" for a boolean NAME
// included; null when none is defined.
absl::CommandLineFlag* Find(const std::string& name) {
  if (absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name)) return flag;
  if (absl::StartsWith(name, "no")) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name.substr(2));
    if (flag != nullptr && flag->IsOfType<bool>()) return flag;
  }
  return nullptr;
}

// The value of the flag at argv[*i] ("--name=V", or "--name V": the next
// argument, whatever it looks like, which *i then passes), parsed as Abseil
// will parse it; a malformed or missing one is a configuration error (2),
// in one line. Parsing sets the flag as ParseCommandLine will again.
std::optional<int> CheckValue(absl::CommandLineFlag* flag, int argc, char** argv, int* i) {
  const absl::string_view arg = argv[*i];
  const size_t equals = arg.find('=');
  const absl::string_view name = arg.substr(0, equals);
  if (equals == absl::string_view::npos && flag->IsOfType<bool>()) return std::nullopt;
  absl::string_view value;
  if (equals != absl::string_view::npos) {
    value = arg.substr(equals + 1);
  } else if (*i + 1 < argc) {
    value = argv[++*i];
  } else {
    std::cerr << "redlined: " << name << " needs a value (redlined --help lists the flags)\n";
    return 2;
  }
  std::string error;
  if (!flag->ParseFrom(value, &error)) {
    std::cerr << "redlined: " << name << " '" << value << "': " << error << "\n";
    return 2;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> CheckCommandLine(int argc, char** argv, absl::string_view usage) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;  // a value, or "-"
    const absl::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    const absl::string_view typed = body.substr(0, body.find('='));
    if (typed == "help" || typed == "h") {
      PrintHelp(usage);
      return 0;
    }
    const std::string name = absl::StrReplaceAll(typed, {{"-", "_"}});
    if (IsAbseilUsageFlag(name)) continue;
    absl::CommandLineFlag* flag = Find(name);
    if (flag == nullptr) {
      std::string hint = Suggestion(name);
      // Spelt as typed: --tls-crt gets "--tls-cert".
      if (absl::StrContains(typed, '-')) absl::StrReplaceAll({{"_", "-"}}, &hint);
      std::cerr << "redlined: unknown flag " << arg.substr(0, arg.find('=')) << hint
                << " (redlined --help lists the flags)\n";
      return 2;
    }
    if (std::optional<int> bad = CheckValue(flag, argc, argv, &i)) return bad;
  }
  return std::nullopt;
}

}  // namespace redline::server
