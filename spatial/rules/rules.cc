#include "spatial/rules/rules.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spatial/rules/levels.h"
#include "spatial/base/small_sort.h"
#include "spatial/base/utf8.h"
#include "yaml-cpp/yaml.h"

namespace redline {
namespace {

// Debian's Abseil is built with its own absl::string_view, which does not
// convert from std::string_view.
absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// ------------------------------------------------------------ enum names

template <typename E>
struct NamedValue {
  std::string_view name;
  E value;
  bool alias;  // accepted, but not listed in error messages
};

constexpr NamedValue<Purpose> kPurposeNames[] = {
    {"OUTFALL", Purpose::kOutfall, false},
    {"DISCHARGING_PROJECT", Purpose::kDischargingProject, false},
    {"NON_DISCHARGING_PROJECT", Purpose::kNonDischargingProject, false},
    {"SERIOUSLY_POLLUTING_PROJECT", Purpose::kSeriouslyPollutingProject, false},
    {"WATER_SUPPLY_FACILITY", Purpose::kWaterSupplyFacility, false},
    {"LINEAR_INFRASTRUCTURE", Purpose::kLinearInfrastructure, false},
    {"OTHER", Purpose::kOther, false},
    {"UNSPECIFIED", Purpose::kUnspecified, false},
    {"PURPOSE_UNSPECIFIED", Purpose::kUnspecified, true},
};

constexpr NamedValue<OutfallType> kOutfallTypeNames[] = {
    {"RIVER", OutfallType::kRiver, false},
    {"SEA", OutfallType::kSea, false},
    {"RAINWATER", OutfallType::kRainwater, false},
    {"UNSPECIFIED", OutfallType::kUnspecified, false},
    {"OUTFALL_TYPE_UNSPECIFIED", OutfallType::kUnspecified, true},
};

constexpr NamedValue<ProjectAction> kActionNames[] = {
    {"NEW", ProjectAction::kNew, false},
    {"EXPANDED", ProjectAction::kExpanded, false},
    {"REBUILT", ProjectAction::kRebuilt, false},
    {"UNSPECIFIED", ProjectAction::kUnspecified, false},
    {"ACTION_UNSPECIFIED", ProjectAction::kUnspecified, true},
};

constexpr NamedValue<Verdict> kVerdictNames[] = {
    {"CLEAR", Verdict::kClear, false},
    {"CONDITIONAL", Verdict::kConditional, false},
    {"RESTRICTED", Verdict::kRestricted, false},
    {"PROHIBITED", Verdict::kProhibited, false},
    {"NEEDS_PURPOSE", Verdict::kNeedsPurpose, false},
};

// "discharging-project " -> "DISCHARGING_PROJECT".
std::string CanonicalName(std::string_view name) {
  std::string s(absl::StripAsciiWhitespace(AsAbsl(name)));
  for (char& c : s) {
    c = (c == '-' || c == ' ') ? '_' : absl::ascii_toupper(c);
  }
  return s;
}

template <typename E, size_t N>
absl::StatusOr<E> ParseNamed(std::string_view what, std::string_view raw,
                             const NamedValue<E> (&table)[N]) {
  const std::string key = CanonicalName(raw);
  std::vector<std::string_view> listed;
  for (const NamedValue<E>& entry : table) {
    if (entry.name == key) return entry.value;
    if (!entry.alias) listed.push_back(entry.name);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown ", AsAbsl(what), " '", AsAbsl(raw), "': expected one of ",
      absl::StrJoin(listed, ", ", [](std::string* out, std::string_view name) {
        out->append(name);
      })));
}

int Rank(Verdict verdict) {
  switch (verdict) {
    case Verdict::kClear:
      return 0;
    case Verdict::kUnspecified:
      return 1;
    case Verdict::kNeedsPurpose:
      return 2;
    case Verdict::kConditional:
      return 3;
    case Verdict::kRestricted:
      return 4;
    case Verdict::kProhibited:
      return 5;
  }
  return 0;
}

template <typename T>
bool Contains(const std::vector<T>& values, const T& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

template <typename T>
void AddUnique(std::vector<T>* values, T value) {
  if (!Contains(*values, value)) values->push_back(std::move(value));
}

// ------------------------------------------------------------ file parsing

constexpr absl::string_view kFileKeys[] = {"law", "description", "rules"};
constexpr absl::string_view kRuleKeys[] = {
    "id",        "disabled",      "kinds",      "levels",
    "purposes",  "outfall_types", "actions",    "inside",
    "setback_m", "verdict",       "message_zh", "message_en",
    "law",       "article",       "text"};

// Past this many errors in one file the rest are summarized: the first ones
// are what the author needs to see.
constexpr size_t kMaxErrors = 25;

struct Entry {
  Rule rule;
  bool disabled = false;
};

// A scalar of a list-valued key, with where it was written.
struct Item {
  std::string value;
  YAML::Mark mark;
};

// Parses one rule file into entries, collecting every error it finds with its
// line. yaml-cpp throws; only Load() catches, so nothing escapes.
class FileParser {
 public:
  explicit FileParser(std::string path) : path_(std::move(path)) {}

  // The file's text: from disk, or compiled in for a "builtin:" path.
  absl::Status ReadText() {
    if (absl::StartsWith(AsAbsl(path_), AsAbsl(kBuiltinRulePrefix))) {
      for (const BuiltinRuleFile& file : BuiltinRuleFiles()) {
        if (file.path == path_) {
          text_ = std::string(file.text);
          return absl::OkStatus();
        }
      }
      std::vector<std::string_view> names;
      for (const BuiltinRuleFile& file : BuiltinRuleFiles()) names.push_back(file.path);
      return absl::NotFoundError(absl::StrCat(
          "no built-in rule file '", path_, "': the built-in ones are ",
          absl::StrJoin(names, ", ", [](std::string* out, std::string_view n) {
            out->append(n);
          })));
    }
    std::ifstream in(path_, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot open rule file '", path_, "'"));
    std::ostringstream text;
    text << in.rdbuf();
    text_ = text.str();
    return absl::OkStatus();
  }

  // Returns NotFound / InvalidArgument for a file that cannot be read or
  // parsed as YAML; content errors are collected (see FormattedErrors()).
  absl::Status Load(std::vector<Entry>* entries) {
    if (absl::Status st = ReadText(); !st.ok()) return st;
    try {
      const YAML::Node root = YAML::Load(text_);
      ParseRoot(root, entries);
    } catch (const YAML::ParserException& e) {
      return absl::InvalidArgumentError(SyntaxError(e));
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ":", LineOf(e.mark, 1), ": ", e.msg));
    } catch (const std::exception& e) {
      return absl::InternalError(
          absl::StrCat(path_, ": reading rule file: ", e.what()));
    }
    return absl::OkStatus();
  }

  // yaml-cpp notices an unclosed '[' or '{' only where the next key begins,
  // often lines later; the author needs the line that opened it.
  std::string SyntaxError(const YAML::ParserException& e) {
    const int noticed = e.mark.line + 1;
    char open = 0, close = 0;
    if (e.msg == YAML::ErrorMsg::END_OF_SEQ_FLOW) {
      open = '[';
      close = ']';
    } else if (e.msg == YAML::ErrorMsg::END_OF_MAP_FLOW) {
      open = '{';
      close = '}';
    }
    if (open != 0) {
      std::vector<std::string> lines;
      std::istringstream in(text_);
      for (std::string line; std::getline(in, line);) lines.push_back(line);
      // Net brackets per line, walking back from where the parser stopped;
      // the first line that leaves one open is where it was opened.
      int balance = 0;
      for (int i = std::min<int>(noticed, lines.size()); i >= 1; --i) {
        const std::string& line = lines[i - 1];
        // Brackets in a comment do not count.
        const size_t first = line.find_first_not_of(" \t");
        const size_t comment =
            (first != std::string::npos && line[first] == '#')
                ? first
                : line.find(" #");
        const std::string_view code(line.data(),
                                    std::min(comment, line.size()));
        balance +=
            static_cast<int>(std::count(code.begin(), code.end(), open)) -
            static_cast<int>(std::count(code.begin(), code.end(), close));
        if (balance > 0) {
          return absl::StrCat(path_, ":", i, ": YAML syntax error: '",
                              std::string(1, open), "' is not closed (", e.msg,
                              ", noticed at line ", noticed, ")");
        }
      }
    }
    return absl::StrCat(path_, ":", noticed, ": YAML syntax error: ", e.msg);
  }

  void Error(const YAML::Mark& mark, int fallback_line, std::string message) {
    errors_.emplace_back(LineOf(mark, fallback_line), std::move(message));
  }
  void ErrorAtLine(int line, std::string message) {
    errors_.emplace_back(line, std::move(message));
  }

  // "file:line: message" lines, in line order.
  std::vector<std::string> FormattedErrors() {
    std::stable_sort(
        errors_.begin(), errors_.end(),
        [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (size_t i = 0; i < errors_.size() && i < kMaxErrors; ++i) {
      out.push_back(
          absl::StrCat(path_, ":", errors_[i].first, ": ", errors_[i].second));
    }
    if (errors_.size() > kMaxErrors) {
      out.push_back(absl::StrCat(path_, ": ... and ",
                                 errors_.size() - kMaxErrors, " more errors"));
    }
    return out;
  }

  bool has_errors() const { return !errors_.empty(); }

 private:
  // yaml-cpp marks are 0-based, and null (-1) for nodes it made up.
  static int LineOf(const YAML::Mark& mark, int fallback_line) {
    return mark.line >= 0 ? mark.line + 1 : fallback_line;
  }

  // Checks the keys of a mapping: each known, none twice.
  void CheckKeys(const YAML::Node& map, const absl::string_view* known,
                 size_t known_count, absl::string_view where) {
    std::unordered_set<std::string> seen;
    // Range-for binds the iterator's value, which owns the pair. `it->first`
    // would point into a temporary proxy that dies with the statement.
    for (const auto& kv : map) {
      const YAML::Node& key = kv.first;
      const std::string name = key.IsScalar() ? key.Scalar() : "";
      if (std::find(known, known + known_count, name) == known + known_count) {
        std::string hint;
        for (size_t i = 0; i < known_count; ++i) {
          if (known[i] == name + "s")
            hint = absl::StrCat(" (did you mean '", known[i], "'?)");
        }
        Error(key.Mark(), 1,
              absl::StrCat("unknown key '", name, "' in ", where, hint,
                           ": expected one of ",
                           absl::StrJoin(known, known + known_count, ", ")));
      } else if (!seen.insert(name).second) {
        Error(key.Mark(), 1,
              absl::StrCat("duplicate key '", name, "' in ", where));
      }
    }
  }

  // A string value; null reads as empty. Surrounding white space (including
  // the newline a `|` block scalar keeps) is dropped.
  std::optional<std::string> String(const YAML::Node& value,
                                    absl::string_view key, int line) {
    if (value.IsNull()) return std::string();
    if (!value.IsScalar()) {
      Error(value.Mark(), line, absl::StrCat("'", key, "' must be a string"));
      return std::nullopt;
    }
    if (!IsValidUtf8(value.Scalar())) {
      Error(value.Mark(), line,
            absl::StrCat("'", key, "' is not valid UTF-8: save the rules file as UTF-8"));
      return std::nullopt;
    }
    return std::string(absl::StripAsciiWhitespace(value.Scalar()));
  }

  // A list value: a sequence of scalars, or one scalar for a one-item list.
  std::optional<std::vector<Item>> List(const YAML::Node& value,
                                        absl::string_view key, int line) {
    std::vector<Item> items;
    if (value.IsNull()) return items;
    if (value.IsScalar()) {
      items.push_back({value.Scalar(), value.Mark()});
      return items;
    }
    if (!value.IsSequence()) {
      Error(value.Mark(), line,
            absl::StrCat("'", key, "' must be a list, e.g. [a, b]"));
      return std::nullopt;
    }
    for (const YAML::Node& element : value) {
      if (!element.IsScalar()) {
        Error(element.Mark(), line,
              absl::StrCat("each item of '", key, "' must be a plain value"));
        return std::nullopt;
      }
      items.push_back({element.Scalar(), element.Mark()});
    }
    return items;
  }

  void ParseRoot(const YAML::Node& root, std::vector<Entry>* entries) {
    if (root.IsNull()) {
      ErrorAtLine(1, "empty rule file: expected a mapping with a 'rules' list");
      return;
    }
    if (!root.IsMap()) {
      Error(root.Mark(), 1,
            "a rule file must be a mapping with a 'rules' list (and optionally "
            "'law' and 'description')");
      return;
    }
    CheckKeys(root, std::begin(kFileKeys), std::size(kFileKeys), "the file");
    std::string default_law;
    // Held in an optional: assigning to a live YAML::Node would rebind the
    // node it refers to rather than the handle.
    std::optional<YAML::Node> rules;
    for (const auto& kv : root) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (key == "law") {
        default_law = String(kv.second, "law", 1).value_or("");
      } else if (key == "description") {
        String(kv.second, "description", 1);
      } else if (key == "rules") {
        rules.emplace(kv.second);
      }
    }
    if (!rules.has_value()) {
      Error(root.Mark(), 1, "missing 'rules': the list of rules");
      return;
    }
    if (rules->IsNull()) return;  // `rules:` with nothing: an empty file
    if (!rules->IsSequence()) {
      Error(rules->Mark(), 1, "'rules' must be a list of rules ('- id: ...')");
      return;
    }
    // Ids within this file, with their lines, to report duplicates.
    std::unordered_map<std::string, int> ids;
    for (const YAML::Node& node : *rules) {
      std::optional<Entry> entry = ParseRule(node, default_law);
      if (!entry.has_value()) continue;
      const Rule& rule = entry->rule;
      auto [it, inserted] = ids.emplace(rule.id, rule.line);
      if (!inserted) {
        ErrorAtLine(rule.line,
                    absl::StrCat("duplicate rule id '", rule.id,
                                 "' (first defined at line ", it->second,
                                 "); ids are unique within a file — a later "
                                 "file may reuse one to replace the rule"));
        continue;
      }
      entries->push_back(std::move(*entry));
    }
  }

  // Returns nullopt when the rule has errors (already recorded).
  std::optional<Entry> ParseRule(const YAML::Node& node,
                                 const std::string& default_law) {
    const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 1;
    if (!node.IsMap()) {
      ErrorAtLine(line,
                  "each rule must be a mapping ('- id: ...', 'kinds: ...')");
      return std::nullopt;
    }
    const size_t errors_before = errors_.size();
    CheckKeys(node, std::begin(kRuleKeys), std::size(kRuleKeys), "a rule");

    Entry entry;
    Rule& rule = entry.rule;
    rule.file = path_;
    rule.line = line;

    // First pass: collect values by key; validation that needs several keys
    // (levels need the kind) comes after.
    std::optional<YAML::Node> kinds, levels, purposes, outfall_types, actions;
    bool has_verdict = false;
    bool setback_ok = true;  // a bad setback is reported once, not twice
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      const YAML::Node& value = kv.second;
      if (key == "id") {
        rule.id = String(value, key, line).value_or("");
      } else if (key == "disabled") {
        bool disabled = false;
        if (!YAML::convert<bool>::decode(value, disabled)) {
          Error(value.Mark(), line, "'disabled' must be true or false");
          // Most likely meant as a switch-off: do not also list every field
          // a full rule would need.
          disabled = true;
        }
        entry.disabled = disabled;
      } else if (key == "kinds") {
        kinds.emplace(value);
      } else if (key == "levels") {
        levels.emplace(value);
      } else if (key == "purposes") {
        purposes.emplace(value);
      } else if (key == "outfall_types") {
        outfall_types.emplace(value);
      } else if (key == "actions") {
        actions.emplace(value);
      } else if (key == "inside") {
        if (!YAML::convert<bool>::decode(value, rule.inside)) {
          Error(value.Mark(), line, "'inside' must be true or false");
        }
      } else if (key == "setback_m") {
        setback_ok = false;
        double setback = 0;
        if (!YAML::convert<double>::decode(value, setback) ||
            !std::isfinite(setback)) {
          Error(value.Mark(), line, "'setback_m' must be a number of metres");
        } else if (setback < 0) {
          Error(value.Mark(), line,
                absl::StrCat("negative setback_m ", value.Scalar(),
                             ": a setback is a distance in metres, >= 0"));
        } else {
          rule.setback_m = setback;
          setback_ok = true;
        }
      } else if (key == "verdict") {
        has_verdict = true;
        if (std::optional<std::string> s = String(value, key, line)) {
          absl::StatusOr<Verdict> verdict = ParseVerdict(*s);
          if (!verdict.ok()) {
            Error(value.Mark(), line, std::string(verdict.status().message()));
          } else if (*verdict == Verdict::kNeedsPurpose) {
            Error(value.Mark(), line,
                  "verdict NEEDS_PURPOSE is reported by the check itself; a "
                  "rule gives CLEAR, CONDITIONAL, RESTRICTED or PROHIBITED");
          } else {
            rule.verdict = *verdict;
          }
        }
      } else if (key == "message_zh") {
        rule.message_zh = String(value, key, line).value_or("");
      } else if (key == "message_en") {
        rule.message_en = String(value, key, line).value_or("");
      } else if (key == "law") {
        rule.basis.law = String(value, key, line).value_or("");
      } else if (key == "article") {
        rule.basis.article = String(value, key, line).value_or("");
      } else if (key == "text") {
        rule.basis.text = String(value, key, line).value_or("");
      }
    }

    if (rule.id.empty()) {
      ErrorAtLine(line, "missing 'id': every rule needs a unique id");
    } else if (!std::all_of(rule.id.begin(), rule.id.end(), [](char c) {
                 return absl::ascii_isalnum(c) || c == '-' || c == '_' ||
                        c == '.';
               })) {
      ErrorAtLine(line, absl::StrCat("rule id '", rule.id,
                                     "' may only use letters, digits, '-', "
                                     "'_' and '.'"));
    }
    // A disabled entry only needs its id; whatever else it carries (say, a
    // copied rule switched off) is not validated.
    if (entry.disabled) {
      if (errors_.size() != errors_before) return std::nullopt;
      return entry;
    }

    ParseKinds(kinds, line, &rule);
    ParseLevels(levels, line, &rule);
    ParsePurposes(purposes, line, &rule);
    ParseOutfallTypes(outfall_types, line, &rule);
    ParseActions(actions, line, &rule);

    if (!has_verdict) {
      ErrorAtLine(line,
                  "missing 'verdict': CLEAR, CONDITIONAL, RESTRICTED or "
                  "PROHIBITED");
    }
    if (rule.message_zh.empty()) {
      ErrorAtLine(line,
                  "missing 'message_zh': the message shown with the verdict");
    }
    if (rule.basis.law.empty()) rule.basis.law = default_law;
    if (rule.basis.law.empty()) {
      ErrorAtLine(line,
                  "missing legal basis: 'law' (on the rule, or as the "
                  "file's default 'law')");
    }
    if (rule.basis.text.empty()) {
      ErrorAtLine(line, "missing legal basis: 'text', the quoted provision");
    }
    if (!rule.inside && rule.setback_m == 0 && setback_ok) {
      ErrorAtLine(line,
                  "the rule applies neither inside the zone ('inside: "
                  "false') nor within a setback ('setback_m' > 0)");
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return entry;
  }

  void ParseKinds(const std::optional<YAML::Node>& node, int line, Rule* rule) {
    if (!node.has_value()) {
      ErrorAtLine(line, "missing 'kinds': the zone kinds the rule applies to");
      return;
    }
    const YAML::Node& value = *node;
    std::optional<std::vector<Item>> items = List(value, "kinds", line);
    if (!items) return;
    for (const Item& item : *items) {
      absl::StatusOr<ZoneKind> kind = ParseZoneKind(
          absl::AsciiStrToLower(absl::StripAsciiWhitespace(item.value)));
      if (!kind.ok()) {
        Error(item.mark, line, std::string(kind.status().message()));
      } else {
        AddUnique(&rule->kinds, *kind);
      }
    }
    if (items->empty()) {
      Error(value.Mark(), line, "'kinds' must name at least one zone kind");
    }
  }

  void ParseLevels(const std::optional<YAML::Node>& node, int line,
                   Rule* rule) {
    if (!node.has_value()) return;
    const YAML::Node& value = *node;
    std::optional<std::vector<Item>> items = List(value, "levels", line);
    if (!items || items->empty()) return;
    if (rule->kinds.size() != 1) {
      // Levels are the vocabulary of one kind (一级 means nothing for a red
      // line); with several or no valid kinds they cannot be checked.
      if (rule->kinds.size() > 1) {
        Error(value.Mark(), line,
              "'levels' name the levels of one zone kind: split the rule per "
              "kind, or drop 'levels' to match any level");
      }
      return;
    }
    for (const Item& item : *items) {
      absl::StatusOr<std::string> level =
          ParseRuleLevel(rule->kinds[0], item.value);
      if (!level.ok()) {
        Error(item.mark, line, std::string(level.status().message()));
      } else {
        AddUnique(&rule->levels, *std::move(level));
      }
    }
  }

  void ParsePurposes(const std::optional<YAML::Node>& node, int line,
                     Rule* rule) {
    if (!node.has_value()) {
      ErrorAtLine(line,
                  "missing 'purposes': what is being sited (OUTFALL, "
                  "DISCHARGING_PROJECT, ...)");
      return;
    }
    const YAML::Node& value = *node;
    std::optional<std::vector<Item>> items = List(value, "purposes", line);
    if (!items) return;
    for (const Item& item : *items) {
      absl::StatusOr<Purpose> purpose = ParsePurpose(item.value);
      if (!purpose.ok()) {
        Error(item.mark, line, std::string(purpose.status().message()));
      } else if (*purpose == Purpose::kUnspecified) {
        Error(item.mark, line,
              "a rule cannot apply to an unspecified purpose (the check "
              "answers NEEDS_PURPOSE then): name the purposes");
      } else {
        AddUnique(&rule->purposes, *purpose);
      }
    }
    if (items->empty()) {
      Error(value.Mark(), line, "'purposes' must name at least one purpose");
    }
  }

  void ParseOutfallTypes(const std::optional<YAML::Node>& node, int line,
                         Rule* rule) {
    if (!node.has_value()) return;
    const YAML::Node& value = *node;
    std::optional<std::vector<Item>> items = List(value, "outfall_types", line);
    if (!items) return;
    for (const Item& item : *items) {
      absl::StatusOr<OutfallType> type = ParseOutfallType(item.value);
      if (!type.ok()) {
        Error(item.mark, line, std::string(type.status().message()));
      } else if (*type == OutfallType::kUnspecified) {
        Error(item.mark, line,
              "outfall_types cannot list UNSPECIFIED: an outfall of unknown "
              "type already meets the rules of every type");
      } else {
        AddUnique(&rule->outfall_types, *type);
      }
    }
    if (!rule->outfall_types.empty() && !rule->purposes.empty() &&
        (rule->purposes.size() != 1 ||
         rule->purposes[0] != Purpose::kOutfall)) {
      Error(value.Mark(), line,
            "'outfall_types' only applies to a rule whose purposes are "
            "[OUTFALL]");
    }
  }

  void ParseActions(const std::optional<YAML::Node>& node, int line,
                    Rule* rule) {
    if (!node.has_value()) return;
    const YAML::Node& value = *node;
    std::optional<std::vector<Item>> items = List(value, "actions", line);
    if (!items) return;
    for (const Item& item : *items) {
      absl::StatusOr<ProjectAction> action = ParseProjectAction(item.value);
      if (!action.ok()) {
        Error(item.mark, line, std::string(action.status().message()));
      } else if (*action == ProjectAction::kUnspecified) {
        Error(item.mark, line,
              "actions cannot list UNSPECIFIED: an unspecified action is "
              "treated as NEW, so list NEW");
      } else {
        AddUnique(&rule->actions, *action);
      }
    }
  }

  std::string path_;
  std::string text_;
  std::vector<std::pair<int, std::string>> errors_;
};

}  // namespace

// ------------------------------------------------------------ public API

absl::StatusOr<Purpose> ParsePurpose(std::string_view name) {
  return ParseNamed("purpose", name, kPurposeNames);
}
absl::StatusOr<OutfallType> ParseOutfallType(std::string_view name) {
  return ParseNamed("outfall type", name, kOutfallTypeNames);
}
absl::StatusOr<ProjectAction> ParseProjectAction(std::string_view name) {
  return ParseNamed("action", name, kActionNames);
}
absl::StatusOr<Verdict> ParseVerdict(std::string_view name) {
  return ParseNamed("verdict", name, kVerdictNames);
}

std::string_view PurposeName(Purpose purpose) {
  switch (purpose) {
    case Purpose::kUnspecified:
      return "PURPOSE_UNSPECIFIED";
    case Purpose::kOutfall:
      return "OUTFALL";
    case Purpose::kDischargingProject:
      return "DISCHARGING_PROJECT";
    case Purpose::kNonDischargingProject:
      return "NON_DISCHARGING_PROJECT";
    case Purpose::kSeriouslyPollutingProject:
      return "SERIOUSLY_POLLUTING_PROJECT";
    case Purpose::kWaterSupplyFacility:
      return "WATER_SUPPLY_FACILITY";
    case Purpose::kLinearInfrastructure:
      return "LINEAR_INFRASTRUCTURE";
    case Purpose::kOther:
      return "OTHER";
  }
  return "PURPOSE_UNSPECIFIED";
}

std::string_view OutfallTypeName(OutfallType type) {
  switch (type) {
    case OutfallType::kUnspecified:
      return "OUTFALL_TYPE_UNSPECIFIED";
    case OutfallType::kRiver:
      return "RIVER";
    case OutfallType::kSea:
      return "SEA";
    case OutfallType::kRainwater:
      return "RAINWATER";
  }
  return "OUTFALL_TYPE_UNSPECIFIED";
}

std::string_view ProjectActionName(ProjectAction action) {
  switch (action) {
    case ProjectAction::kUnspecified:
      return "ACTION_UNSPECIFIED";
    case ProjectAction::kNew:
      return "NEW";
    case ProjectAction::kExpanded:
      return "EXPANDED";
    case ProjectAction::kRebuilt:
      return "REBUILT";
  }
  return "ACTION_UNSPECIFIED";
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kClear:
      return "CLEAR";
    case Verdict::kConditional:
      return "CONDITIONAL";
    case Verdict::kRestricted:
      return "RESTRICTED";
    case Verdict::kProhibited:
      return "PROHIBITED";
    case Verdict::kNeedsPurpose:
      return "NEEDS_PURPOSE";
    case Verdict::kUnspecified:
      return "VERDICT_UNSPECIFIED";
  }
  return "VERDICT_UNSPECIFIED";
}

Verdict Stricter(Verdict a, Verdict b) { return Rank(b) > Rank(a) ? b : a; }

absl::StatusOr<RuleSet> RuleSet::LoadFiles(
    const std::vector<std::string>& paths) {
  // Slots keep a replaced rule's place; a disabled rule leaves an empty slot.
  std::vector<std::optional<Rule>> slots;
  std::unordered_map<std::string, size_t> slot_of_id;

  for (const std::string& path : paths) {
    FileParser parser(path);
    std::vector<Entry> entries;
    if (absl::Status status = parser.Load(&entries); !status.ok())
      return status;

    // Apply the file over the earlier ones. Errors here (disabling an unknown
    // id) are the file's errors too, so apply to a copy and commit only if
    // the whole file is good.
    std::vector<std::optional<Rule>> next_slots = slots;
    std::unordered_map<std::string, size_t> next_slot_of_id = slot_of_id;
    for (Entry& entry : entries) {
      auto found = next_slot_of_id.find(entry.rule.id);
      if (entry.disabled) {
        if (found == next_slot_of_id.end()) {
          parser.ErrorAtLine(
              entry.rule.line,
              absl::StrCat("cannot disable rule '", entry.rule.id,
                           "': no earlier rule file defines it"));
          continue;
        }
        next_slots[found->second].reset();
        next_slot_of_id.erase(found);
      } else if (found != next_slot_of_id.end()) {
        // A later file reusing an id replaces the earlier rule in place.
        next_slots[found->second] = std::move(entry.rule);
      } else {
        next_slot_of_id.emplace(entry.rule.id, next_slots.size());
        next_slots.push_back(std::move(entry.rule));
      }
    }
    if (parser.has_errors()) {
      return absl::InvalidArgumentError(
          absl::StrJoin(parser.FormattedErrors(), "\n"));
    }
    slots = std::move(next_slots);
    slot_of_id = std::move(next_slot_of_id);
  }

  RuleSet set;
  set.files_ = paths;
  for (std::optional<Rule>& slot : slots) {
    if (!slot.has_value()) continue;
    const size_t index = set.rules_.size();
    for (ZoneKind kind : slot->kinds) {
      set.by_kind_[static_cast<size_t>(kind)].push_back(index);
    }
    set.max_setback_m_ = std::max(set.max_setback_m_, slot->setback_m);
    set.rules_.push_back(*std::move(slot));
  }
  return set;
}

std::vector<const Rule*> RuleSet::Match(ZoneKind kind, std::string_view level,
                                        const Siting& siting, bool touches,
                                        double distance_m) const {
  std::vector<const Rule*> matched;
  if (siting.purpose == Purpose::kUnspecified) return matched;
  const ProjectAction action = siting.action == ProjectAction::kUnspecified
                                   ? ProjectAction::kNew
                                   : siting.action;
  // Idempotent on canonical levels; protects against a caller passing the
  // source spelling, which would otherwise silently match no level rule.
  std::string normalized;
  if (kind == ZoneKind::kWaterSourceProtection) {
    normalized = NormalizeLevel(kind, level).level;
    level = normalized;
  }
  for (size_t index : by_kind_[static_cast<size_t>(kind)]) {
    const Rule& rule = rules_[index];
    if (touches) {
      if (!rule.inside) continue;
    } else if (!(rule.setback_m > 0 && distance_m <= rule.setback_m)) {
      continue;  // also rejects a NaN distance
    }
    if (!rule.levels.empty() &&
        std::find(rule.levels.begin(), rule.levels.end(), level) ==
            rule.levels.end()) {
      continue;
    }
    if (!Contains(rule.purposes, siting.purpose)) continue;
    if (!rule.outfall_types.empty() &&
        siting.outfall_type != OutfallType::kUnspecified &&
        !Contains(rule.outfall_types, siting.outfall_type)) {
      continue;
    }
    if (!rule.actions.empty() && !Contains(rule.actions, action)) continue;
    matched.push_back(&rule);
  }
  StableSort(matched.begin(), matched.end(), [](const Rule* a, const Rule* b) {
    return Rank(a->verdict) > Rank(b->verdict);
  });
  return matched;
}

const Rule* RuleSet::Find(std::string_view id) const {
  for (const Rule& rule : rules_) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

}  // namespace redline
