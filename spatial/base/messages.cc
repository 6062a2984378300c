#include "spatial/base/messages.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace redline {
namespace {

// Grouped by where the text is said. The English is the wording the API's
// string fields have always carried (tests and scripts match on it).
constexpr MessageTemplate kTemplates[] = {
    // Verdict reasons (spatial/query/verdict.cc).
    {"verdict.rule", "{verdict}：依规则 {rule}（{law}{article}），区域 {zone_id}「{zone_name}」",
     "{verdict} by rule {rule} ({law} {article}): zone {zone_id} {zone_name}"},
    {"verdict.rule_setback",
     "{verdict}：依规则 {rule}（{law}{article}），区域 {zone_id}「{zone_name}」相距 {distance_m} "
     "米",
     "{verdict} by rule {rule} ({law} {article}): zone {zone_id} {zone_name} at {distance_m} m"},
    {"verdict.needs_purpose_hit",
     "选址触及保护区；请给出选址用途（如排污口、排污建设项目）以得出结论",
     "the site touches protected zones; give the purpose of the siting (e.g. OUTFALL, "
     "DISCHARGING_PROJECT) for a verdict"},
    {"verdict.needs_purpose_near",
     "{setback_m} "
     "米内有保护区，适用退让距离规则；请给出选址用途（如排污口、排污建设项目）以得出结论",
     "a zone lies within {setback_m} m, where setback rules apply; give the purpose of the siting "
     "(e.g. OUTFALL, DISCHARGING_PROJECT) for a verdict"},
    {"verdict.clear_no_hit", "选址未触及任何保护区", "the site touches no zone"},
    {"verdict.clear_no_rule", "所触及的保护区内没有规则限制此用途",
     "no rule restricts this purpose in the zones touched"},
    {"verdict.no_rules",
     "没有生效的规则：配置未列出任何规则（rules: []），无法给出结论；命中的保护区照实列出",
     "no rules in force: the configuration lists no rules (rules: []), so no verdict can be "
     "given; the hits are reported as found"},
    // How coordinates were read (spatial/coords/).
    {"coords.swap_geographic",
     "坐标为纬度在前：已按经度、纬度读取（只有此顺序落在坐标系的适用范围内）",
     "the coordinates came latitude first: read as longitude, latitude (only that order places "
     "them in the CRS's area of use)"},
    {"coords.swap_projected",
     "坐标为北坐标在前（测量习惯 X "
     "为北）：已按东坐标、北坐标读取（只有此顺序落在坐标系的适用范围内）",
     "the coordinates came northing first (the surveyors' X = north convention): read as "
     "easting, northing (only that order places them in the CRS's area of use)"},
    {"coords.swap_webmap", "坐标为纬度在前：已按经度、纬度读取（只有此顺序落在中国境内）",
     "the coordinates came latitude first: read as longitude, latitude (only that order places "
     "them in China)"},
    {"coords.gk_prefix",
     "东坐标带有带号 {zone}：按 {crs}（CGCS2000 3度带高斯-克吕格 第{zone}带）读取",
     "easting carries zone prefix {zone}: read as {crs} (CGCS2000 / 3-degree Gauss-Kruger zone "
     "{zone})"},
    {"coords.gk_no_prefix",
     "东坐标不带带号；中央经线 {cm}°E 使各点落在浙江：按 {crs}（CGCS2000 3度带高斯-克吕格 中央经线 "
     "{cm}°E）读取",
     "eastings carry no zone prefix; central meridian {cm}E places the points in Zhejiang: read "
     "as {crs} (CGCS2000 / 3-degree Gauss-Kruger CM {cm}E)"},
    {"coords.gk6_prefix",
     "东坐标带有带号 {zone}：按 {crs}（CGCS2000 6度带高斯-克吕格 第{zone}带）读取",
     "easting carries zone prefix {zone}: read as {crs} (CGCS2000 / Gauss-Kruger zone {zone})"},
    {"coords.gk6_no_prefix",
     "东坐标不带带号；中央经线 {cm}°E 使各点落在浙江：按 {crs}（CGCS2000 6度带高斯-克吕格 中央经线 "
     "{cm}°E）读取",
     "eastings carry no zone prefix; central meridian {cm}E places the points in Zhejiang: read "
     "as {crs} (CGCS2000 / Gauss-Kruger CM {cm}E)"},
    {"coords.gk_also_fits", "中央经线 {cm}°E 也说得通：如指的是它，请给出 {crs}",
     "also fits CM {cm}E: give {crs} if that was meant"},
    {"coords.gcj02_converted",
     "已由 GCJ-02（高德/腾讯网络地图偏移）按公开偏移公式反算为 WGS 84（误差在 1e-7 度以内）",
     "converted from GCJ-02 (Amap/Tencent web-map offset) to WGS 84 by inverting the published "
     "offset formulas (to within 1e-7 degrees)"},
    {"coords.bd09_converted",
     "已由 BD-09（百度网络地图偏移）按公开偏移公式反算为 WGS 84（误差在 1e-7 度以内）",
     "converted from BD-09 (Baidu web-map offset) to WGS 84 by inverting the published offset "
     "formulas (to within 1e-7 degrees)"},
    {"coords.wgs84_as_cgcs2000", "WGS 84 视同 CGCS2000（EPSG:4490）：两者相差约一米以内",
     "WGS 84 taken as CGCS2000 (EPSG:4490): the two agree to within a metre or so"},
    // A site geometry made valid (spatial/input/geometry_input.cc).
    {"geometry.repaired_one",
     "多边形无效（{fault}），已修复为有效（structure 方法）：按 1 "
     "个多边形检查，即外环所围面积减去内洞，"
     "与无效保护区的修复方式相同；如需按原样检查请改正边界环，或设置 strict_geometry "
     "拒绝无效多边形",
     "the polygon was invalid ({fault}) and was made valid (structure method): checked as 1 "
     "polygon, the area its shells enclose minus its holes, as invalid zones are repaired; "
     "correct the ring to check it exactly as drawn, or set strict_geometry to refuse it"},
    {"geometry.repaired",
     "多边形无效（{fault}），已修复为有效（structure 方法）：按 {parts} "
     "个多边形检查，即外环所围面积减去内洞，"
     "与无效保护区的修复方式相同；如需按原样检查请改正边界环，或设置 strict_geometry "
     "拒绝无效多边形",
     "the polygon was invalid ({fault}) and was made valid (structure method): checked as {parts} "
     "polygons, the area its shells enclose minus its holes, as invalid zones are repaired; "
     "correct the ring to check it exactly as drawn, or set strict_geometry to refuse it"},
    // How an uploaded file was read (spatial/input/site_file*.cc).
    {"upload.csv_gbk", "CSV 不是 UTF-8 编码：已按 GBK 读取", "the CSV is not UTF-8: read as GBK"},
    {"upload.other_layers", "已读取图层「{layer}」；其余图层未读取：{others}",
     "read layer '{layer}'; other layers ignored: {others}"},
    {"upload.shapefile_gbk", "Shapefile 未指明编码（无 .cpg）且文本不是 UTF-8：属性已按 GBK 读取",
     "the Shapefile names no encoding (.cpg) and its text is not UTF-8: attributes read as GBK"},
    {"upload.null_geometries", "{n} 个要素没有几何，已忽略",
     "{n} feature(s) without geometry ignored"},
    {"upload.unclosed_rings", "{n} 个多边形环未回到起点：已闭合",
     "{n} polygon ring(s) did not end at their first point: closed"},
    {"upload.gathered", "{n} 个要素已合为一个选址", "{n} features gathered into one site"},
    {"upload.invalid_polygon",
     "多边形无效（{fault}）：检查时将修复为有效（structure 方法），与无效保护区相同，除非设置了 "
     "strict_geometry",
     "the polygon is invalid ({fault}): the check makes it valid (structure method), as invalid "
     "zones are made valid, unless strict_geometry is set"},
    {"upload.not_lonlat", "文件格式意味着 {crs}，但坐标不是经纬度：请选择其坐标系",
     "the format implies {crs} but the coordinates are not longitude/latitude: choose their CRS"},
    {"upload.no_crs", "文件未声明坐标系：坐标按原样保留",
     "the file declares no coordinate system: coordinates kept as written"},
    {"upload.corners_joined", "{n} 个界址点已按文件顺序连成 {geometry}",
     "{n} boundary points (界址点) joined in file order into {geometry}"},
};

constexpr struct {
  absl::string_view api, zh;
} kVerdictWords[] = {
    {"PROHIBITED", "禁止"}, {"RESTRICTED", "限制"},          {"CONDITIONAL", "有条件"},
    {"CLEAR", "可行"},      {"NEEDS_PURPOSE", "需说明用途"}, {"VERDICT_UNSPECIFIED", "未定"},
};

}  // namespace

absl::Span<const MessageTemplate> AllMessageTemplates() { return kTemplates; }

const MessageTemplate* FindMessageTemplate(absl::string_view code) {
  for (const MessageTemplate& t : kTemplates) {
    if (t.code == code) return &t;
  }
  return nullptr;
}

absl::string_view VerdictWord(absl::string_view api_name, Lang lang) {
  if (lang == Lang::kEn) return api_name;
  for (const auto& w : kVerdictWords) {
    if (w.api == api_name) return w.zh;
  }
  return api_name;
}

std::vector<std::string> Placeholders(absl::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = text.find('{', pos)) != absl::string_view::npos) {
    const size_t end = text.find('}', pos);
    if (end == absl::string_view::npos) break;
    std::string name(text.substr(pos + 1, end - pos - 1));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    pos = end + 1;
  }
  return out;
}

std::string RenderMessage(const Message& message, Lang lang) {
  const MessageTemplate* t = FindMessageTemplate(message.code);
  if (t == nullptr) {
    std::string out = message.code;
    for (const auto& [k, v] : message.params) absl::StrAppend(&out, " ", k, "=", v);
    return out;
  }
  const absl::string_view text = lang == Lang::kZh ? t->zh : t->en;
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find('{', pos);
    const size_t close = open == absl::string_view::npos ? open : text.find('}', open);
    if (close == absl::string_view::npos) break;
    absl::StrAppend(&out, text.substr(pos, open - pos));
    const absl::string_view name = text.substr(open + 1, close - open - 1);
    auto it = std::find_if(message.params.begin(), message.params.end(),
                           [&](const auto& p) { return p.first == name; });
    if (it == message.params.end()) {
      absl::StrAppend(&out, text.substr(open, close - open + 1));
    } else {
      absl::StrAppend(&out, name == "verdict" ? VerdictWord(it->second, lang) : it->second);
    }
    pos = close + 1;
  }
  if (pos < text.size()) absl::StrAppend(&out, text.substr(pos));
  return out;
}

void AddNote(Message message, std::vector<std::string>& notes, std::vector<Message>& messages) {
  notes.push_back(RenderMessage(message, Lang::kEn));
  messages.push_back(std::move(message));
}

}  // namespace redline
