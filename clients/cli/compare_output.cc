#include "clients/cli/compare_output.h"

#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "report/change_report.h"

namespace redline::cli {
namespace {

std::string KindName(v1::ZoneChange::Kind kind) {
  std::string name = v1::ZoneChange::Kind_Name(kind);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string ZoneKindName(v1::ZoneKind kind) {
  std::string name = v1::ZoneKind_Name(kind);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string TotalsLabel(const v1::AreaTotals& t) {
  if (t.scope() == "kind") return absl::StrCat("kind ", ZoneKindName(t.kind()));
  if (t.scope() == "layer") return absl::StrCat("layer ", t.layer());
  if (t.scope() == "region") {
    return absl::StrCat("  ", t.region_name().empty() ? t.region() : t.region_name(), " ",
                        ZoneKindName(t.kind()));
  }
  return absl::StrCat("  ", t.layer(), " ", t.level().empty() ? "(no level)" : t.level());
}

void FormatChanges(const v1::CompareVersionsResponse& r, std::string& out) {
  absl::StrAppendFormat(&out, "%-10s %-15s %-22s %14s %14s %12s %12s  %s\n", "CHANGE", "LAYER",
                        "ZONE", "BEFORE m2", "AFTER m2", "GAINED m2", "LOST m2", "WHAT");
  for (const v1::ZoneChange& c : r.changes()) {
    std::string what = absl::StrJoin(c.changed_fields(), ",");
    if (!c.previous_id().empty()) what = absl::StrCat("was ", c.previous_id(), " ", what);
    for (const std::string& f : c.changed_fields()) {
      if (f == "level") absl::StrAppend(&what, " ", c.level_before(), " -> ", c.level_after());
    }
    absl::StrAppendFormat(&out, "%-10s %-15s %-22s %14.1f %14.1f %12.1f %12.1f  %s\n",
                          KindName(c.kind()), c.layer(), c.zone_id(), c.area_before_m2(),
                          c.area_after_m2(), c.gained_m2(), c.lost_m2(), what);
  }
}

void FormatTotals(const v1::CompareVersionsResponse& r, std::string& out) {
  absl::StrAppendFormat(&out, "\n%-34s %6s %6s %16s %16s %14s %9s\n", "TOTALS", "BEFORE", "AFTER",
                        "AREA BEFORE m2", "AREA AFTER m2", "NET m2", "LOST");
  for (const v1::AreaTotals& t : r.totals()) {
    absl::StrAppendFormat(&out, "%-34s %6d %6d %16.1f %16.1f %14.1f %8.4f%%\n", TotalsLabel(t),
                          t.zones_before(), t.zones_after(), t.area_before_m2(), t.area_after_m2(),
                          t.net_m2(), 100 * t.share_lost());
  }
}

void FormatRegister(const v1::RegisterImpact& reg, std::string& out) {
  absl::StrAppendFormat(&out, "\nRegister: %d features (purpose %s): %d changed, %d unchanged",
                        reg.features(), reg.purpose().empty() ? "none" : reg.purpose(),
                        reg.changed_size(), reg.unchanged());
  if (reg.failed_size() > 0) absl::StrAppendFormat(&out, ", %d failed", reg.failed_size());
  absl::StrAppend(&out, "\n");
  if (reg.changed_size() == 0) return;
  absl::StrAppendFormat(&out, "%-16s %-16s %-28s  %s\n", "SITE", "WHAT", "VERDICT", "CAUSED BY");
  for (const v1::SiteChange& s : reg.changed()) {
    absl::StrAppendFormat(&out, "%-16s %-16s %-28s  %s\n", s.id(), absl::StrJoin(s.what(), ","),
                          absl::StrCat(v1::Verdict_Name(s.verdict_before()), " -> ",
                                       v1::Verdict_Name(s.verdict_after())),
                          absl::StrJoin(s.caused_by(), ", "));
  }
  for (const std::string& f : reg.failed()) absl::StrAppend(&out, "failed: ", f, "\n");
}

std::string Csv(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Row(const std::vector<std::string>& fields) {
  std::vector<std::string> quoted;
  quoted.reserve(fields.size());
  for (const std::string& f : fields) quoted.push_back(Csv(f));
  return absl::StrCat(absl::StrJoin(quoted, ","), "\n");
}

std::string Num(double v) { return absl::StrFormat("%.3f", v); }

std::string ChangesCsv(const v1::CompareVersionsResponse& r) {
  std::string out = Row({"kind", "layer", "zone_kind", "zone_id", "previous_id", "changed_fields",
                         "name_before", "name_after", "level_before", "level_after",
                         "area_before_m2", "area_after_m2", "gained_m2", "lost_m2"});
  for (const v1::ZoneChange& c : r.changes()) {
    out += Row({KindName(c.kind()), c.layer(), ZoneKindName(c.zone_kind()), c.zone_id(),
                c.previous_id(), absl::StrJoin(c.changed_fields(), ";"), c.name_before(),
                c.name_after(), c.level_before(), c.level_after(), Num(c.area_before_m2()),
                Num(c.area_after_m2()), Num(c.gained_m2()), Num(c.lost_m2())});
  }
  return out;
}

std::string TotalsCsv(const v1::CompareVersionsResponse& r) {
  std::string out =
      Row({"scope",       "layer",     "kind",           "level",         "zones_before",
           "zones_after", "added",     "removed",        "reshaped",      "renamed",
           "attributes",  "unchanged", "area_before_m2", "area_after_m2", "net_m2",
           "gained_m2",   "lost_m2",   "share_lost",     "region",        "region_name"});
  for (const v1::AreaTotals& t : r.totals()) {
    out += Row({t.scope(),
                t.layer(),
                ZoneKindName(t.kind()),
                t.level(),
                absl::StrCat(t.zones_before()),
                absl::StrCat(t.zones_after()),
                absl::StrCat(t.added()),
                absl::StrCat(t.removed()),
                absl::StrCat(t.reshaped()),
                absl::StrCat(t.renamed()),
                absl::StrCat(t.attributes()),
                absl::StrCat(t.unchanged()),
                Num(t.area_before_m2()),
                Num(t.area_after_m2()),
                Num(t.net_m2()),
                Num(t.gained_m2()),
                Num(t.lost_m2()),
                absl::StrFormat("%.6f", t.share_lost()),
                t.region(),
                t.region_name()});
  }
  return out;
}

std::string Hits(const google::protobuf::RepeatedPtrField<v1::ZoneHit>& hits) {
  std::vector<std::string> out;
  for (const v1::ZoneHit& h : hits) {
    out.push_back(
        absl::StrCat(h.layer(), "/", h.zone_id(), " ", v1::ZoneHit::Relation_Name(h.relation())));
  }
  return absl::StrJoin(out, ";");
}

std::string SitesCsv(const v1::RegisterImpact& reg) {
  std::string out = Row(
      {"id", "what", "verdict_before", "verdict_after", "hits_before", "hits_after", "caused_by"});
  for (const v1::SiteChange& s : reg.changed()) {
    out += Row({s.id(), absl::StrJoin(s.what(), ";"), v1::Verdict_Name(s.verdict_before()),
                v1::Verdict_Name(s.verdict_after()), Hits(s.hits_before()), Hits(s.hits_after()),
                absl::StrJoin(s.caused_by(), ";")});
  }
  return out;
}

absl::Status WriteText(const std::string& path, const std::string& text, bool overwrite) {
  if (!overwrite && std::filesystem::exists(path)) {
    return absl::AlreadyExistsError(absl::StrCat(path, " exists; give --overwrite to replace it"));
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InvalidArgumentError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

std::string FormatComparison(const v1::CompareVersionsResponse& r) {
  std::string out =
      absl::StrFormat("From %s\nto   %s\n%d zones changed, %d unchanged\n\n", r.from_version(),
                      r.to_version(), r.changes_size(), r.unchanged());
  if (r.changes_size() > 0) FormatChanges(r, out);
  FormatTotals(r, out);
  if (r.has_register_impact()) FormatRegister(r.register_impact(), out);
  return out;
}

std::string ComparisonJson(const v1::CompareVersionsResponse& response) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;  // lowerCamelCase names, as the HTTP API's
  options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(response, &json, options);
  return json;
}

absl::Status WriteComparison(const v1::CompareVersionsResponse& r, const std::string& path,
                             bool overwrite) {
  if (absl::EndsWith(path, ".json")) return WriteText(path, ComparisonJson(r), overwrite);
  if (absl::EndsWith(path, ".html")) {
    if (!overwrite && std::filesystem::exists(path)) {
      return absl::AlreadyExistsError(
          absl::StrCat(path, " exists; give --overwrite to replace it"));
    }
    // Stamped in China time, as the record of a check is.
    return report::WriteChangeReportFile(
        path, r,
        absl::FormatTime("%Y-%m-%d %H:%M:%S %Ez", absl::Now(), absl::FixedTimeZone(8 * 3600)));
  }
  if (absl::EndsWith(path, ".gpkg")) {
    if (!overwrite && std::filesystem::exists(path)) {
      return absl::AlreadyExistsError(
          absl::StrCat(path, " exists; give --overwrite to replace it"));
    }
    return WriteComparisonGpkg(r, path);
  }
  const std::string stem = path.substr(0, path.size() - 4);
  std::vector<std::pair<std::string, std::string>> files = {{path, ChangesCsv(r)},
                                                            {stem + "_totals.csv", TotalsCsv(r)}};
  if (r.has_register_impact())
    files.emplace_back(stem + "_sites.csv", SitesCsv(r.register_impact()));
  for (const auto& [file, text] : files) {
    if (!overwrite && std::filesystem::exists(file)) {
      return absl::AlreadyExistsError(
          absl::StrCat(file, " exists; give --overwrite to replace it"));
    }
  }
  for (const auto& [file, text] : files) {
    if (absl::Status st = WriteText(file, text, true); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace redline::cli
