#include "report/vocabulary.h"

#include "absl/strings/str_cat.h"
#include "report/text.h"

namespace redline::report {

Names VerdictNames(v1::Verdict v) {
  switch (v) {
    case v1::PROHIBITED:
      return {"禁止", "PROHIBITED"};
    case v1::RESTRICTED:
      return {"限制（须论证或审批）", "RESTRICTED"};
    case v1::CONDITIONAL:
      return {"有条件允许", "CONDITIONAL"};
    case v1::CLEAR:
      return {"未发现限制", "CLEAR"};
    case v1::NEEDS_PURPOSE:
      return {"须说明用途", "NEEDS PURPOSE"};
    default:
      return {"未知", "UNSPECIFIED"};
  }
}

const char* VerdictClass(v1::Verdict v) {
  switch (v) {
    case v1::PROHIBITED:
      return "v-prohibited";
    case v1::RESTRICTED:
      return "v-restricted";
    case v1::CONDITIONAL:
      return "v-conditional";
    case v1::CLEAR:
      return "v-clear";
    case v1::NEEDS_PURPOSE:
      return "v-needs-purpose";
    default:
      return "v-unspecified";
  }
}

Names PurposeNames(v1::Siting::Purpose p) {
  switch (p) {
    case v1::Siting::OUTFALL:
      return {"排污口", "Outfall"};
    case v1::Siting::DISCHARGING_PROJECT:
      return {"排放污染物的建设项目", "Project discharging pollutants"};
    case v1::Siting::NON_DISCHARGING_PROJECT:
      return {"不排放污染物的建设项目", "Project discharging no pollutants"};
    case v1::Siting::SERIOUSLY_POLLUTING_PROJECT:
      return {"对水体污染严重的建设项目", "Project seriously polluting water"};
    case v1::Siting::WATER_SUPPLY_FACILITY:
      return {"供水设施和保护水源有关的建设项目", "Water supply / source protection facility"};
    case v1::Siting::LINEAR_INFRASTRUCTURE:
      return {"线性基础设施（道路、管线等）", "Linear infrastructure"};
    case v1::Siting::OTHER:
      return {"其他", "Other"};
    default:
      return {"未说明", "Not given"};
  }
}

Names OutfallTypeNames(v1::Siting::OutfallType t) {
  switch (t) {
    case v1::Siting::RIVER:
      return {"入河排污口", "River outfall"};
    case v1::Siting::SEA:
      return {"入海排污口", "Sea outfall"};
    case v1::Siting::RAINWATER:
      return {"雨水排放口", "Rain-water outlet"};
    default:
      return {"未说明（按最严格的类型判断）", "Not given (judged as the strictest type)"};
  }
}

Names ActionNames(v1::Siting::Action a) {
  switch (a) {
    case v1::Siting::NEW:
      return {"新建", "New"};
    case v1::Siting::EXPANDED:
      return {"扩建", "Expanded"};
    case v1::Siting::REBUILT:
      return {"改建", "Rebuilt"};
    default:
      return {"未说明（按新建判断）", "Not given (judged as new)"};
  }
}

Names KindNames(v1::ZoneKind k) {
  // The table is keyed by the API's enum names: the core knows no protobuf.
  return ZoneKindDisplayName(v1::ZoneKind_Name(k));
}

Names RelationNames(v1::ZoneHit::Relation r) {
  switch (r) {
    case v1::ZoneHit::INSIDE:
      return {"位于区内", "inside"};
    case v1::ZoneHit::BOUNDARY:
      return {"位于边界上", "on the boundary"};
    case v1::ZoneHit::WITHIN:
      return {"全部位于区内", "wholly within"};
    case v1::ZoneHit::INTERSECTS:
      return {"部分位于区内", "partly within"};
    case v1::ZoneHit::TOUCHES:
      return {"边界相接", "touches the boundary"};
    default:
      return {"未知", "unknown"};
  }
}

std::string Bilingual(const Names& n) {
  return absl::StrCat(HtmlEscape(n.zh), " <span class=\"en\">", HtmlEscape(n.en), "</span>");
}

}  // namespace redline::report
