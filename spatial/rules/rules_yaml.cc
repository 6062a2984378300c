// The YAML rule-file reader (rules_yaml.h): one file's text to rule entries,
// with every error the author needs to see, each at its line.
#include "spatial/rules/rules_yaml.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "spatial/base/utf8.h"
#include "spatial/rules/levels.h"
#include "spatial/rules/zone_kind.h"

namespace redline {
namespace rules_internal {
namespace {

constexpr absl::string_view kFileKeys[] = {"law", "description", "rules"};
constexpr absl::string_view kRuleKeys[] = {"id",        "disabled",      "kinds",      "levels",
                                           "purposes",  "outfall_types", "actions",    "inside",
                                           "setback_m", "verdict",       "message_zh", "message_en",
                                           "law",       "article",       "text"};

// Past this many errors in one file the rest are summarized: the first ones
// are what the author needs to see.
constexpr size_t kMaxErrors = 25;

template <typename T>
void AddUnique(std::vector<T>* values, T value) {
  if (std::find(values->begin(), values->end(), value) == values->end()) {
    values->push_back(std::move(value));
  }
}

}  // namespace

absl::Status RuleFileParser::ReadText() {
  if (absl::StartsWith(path_, kBuiltinRulePrefix)) {
    for (const BuiltinRuleFile& file : BuiltinRuleFiles()) {
      if (file.path == path_) {
        text_ = std::string(file.text);
        return absl::OkStatus();
      }
    }
    std::vector<absl::string_view> names;
    for (const BuiltinRuleFile& file : BuiltinRuleFiles()) names.push_back(file.path);
    return absl::NotFoundError(absl::StrCat(
        "no built-in rule file '", path_, "': the built-in ones are ", absl::StrJoin(names, ", ")));
  }
  std::ifstream in(path_, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open rule file '", path_, "'"));
  std::ostringstream text;
  text << in.rdbuf();
  text_ = text.str();
  return absl::OkStatus();
}

absl::Status RuleFileParser::Load(std::vector<RuleFileEntry>* entries) {
  if (absl::Status st = ReadText(); !st.ok()) return st;
  try {
    const YAML::Node root = YAML::Load(text_);
    ParseRoot(root, entries);
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(SyntaxError(e));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ":", LineOf(e.mark, 1), ": ", e.msg));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(path_, ": reading rule file: ", e.what()));
  }
  return absl::OkStatus();
}

std::string RuleFileParser::SyntaxError(const YAML::ParserException& e) {
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
          (first != std::string::npos && line[first] == '#') ? first : line.find(" #");
      const absl::string_view code(line.data(), std::min(comment, line.size()));
      balance += static_cast<int>(std::count(code.begin(), code.end(), open)) -
                 static_cast<int>(std::count(code.begin(), code.end(), close));
      if (balance > 0) {
        return absl::StrCat(path_, ":", i, ": YAML syntax error: '", std::string(1, open),
                            "' is not closed (", e.msg, ", noticed at line ", noticed, ")");
      }
    }
  }
  return absl::StrCat(path_, ":", noticed, ": YAML syntax error: ", e.msg);
}

void RuleFileParser::Error(const YAML::Mark& mark, int fallback_line, std::string message) {
  errors_.emplace_back(LineOf(mark, fallback_line), std::move(message));
}

void RuleFileParser::ErrorAtLine(int line, std::string message) {
  errors_.emplace_back(line, std::move(message));
}

std::vector<std::string> RuleFileParser::FormattedErrors() {
  std::stable_sort(errors_.begin(), errors_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < errors_.size() && i < kMaxErrors; ++i) {
    out.push_back(absl::StrCat(path_, ":", errors_[i].first, ": ", errors_[i].second));
  }
  if (errors_.size() > kMaxErrors) {
    out.push_back(absl::StrCat(path_, ": ... and ", errors_.size() - kMaxErrors, " more errors"));
  }
  return out;
}

int RuleFileParser::LineOf(const YAML::Mark& mark, int fallback_line) {
  return mark.line >= 0 ? mark.line + 1 : fallback_line;
}

void RuleFileParser::CheckKeys(const YAML::Node& map, const absl::string_view* known,
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
        if (known[i] == name + "s") hint = absl::StrCat(" (did you mean '", known[i], "'?)");
      }
      Error(key.Mark(), 1,
            absl::StrCat("unknown key '", name, "' in ", where, hint, ": expected one of ",
                         absl::StrJoin(known, known + known_count, ", ")));
    } else if (!seen.insert(name).second) {
      Error(key.Mark(), 1, absl::StrCat("duplicate key '", name, "' in ", where));
    }
  }
}

std::optional<std::string> RuleFileParser::String(const YAML::Node& value, absl::string_view key,
                                                  int line) {
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

std::optional<std::vector<RuleFileParser::Item>> RuleFileParser::List(const YAML::Node& value,
                                                                      absl::string_view key,
                                                                      int line) {
  std::vector<Item> items;
  if (value.IsNull()) return items;
  if (value.IsScalar()) {
    items.push_back({value.Scalar(), value.Mark()});
    return items;
  }
  if (!value.IsSequence()) {
    Error(value.Mark(), line, absl::StrCat("'", key, "' must be a list, e.g. [a, b]"));
    return std::nullopt;
  }
  for (const YAML::Node& element : value) {
    if (!element.IsScalar()) {
      Error(element.Mark(), line, absl::StrCat("each item of '", key, "' must be a plain value"));
      return std::nullopt;
    }
    items.push_back({element.Scalar(), element.Mark()});
  }
  return items;
}

void RuleFileParser::ParseRoot(const YAML::Node& root, std::vector<RuleFileEntry>* entries) {
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
    std::optional<RuleFileEntry> entry = ParseRule(node, default_law);
    if (!entry.has_value()) continue;
    const Rule& rule = entry->rule;
    auto [it, inserted] = ids.emplace(rule.id, rule.line);
    if (!inserted) {
      ErrorAtLine(rule.line, absl::StrCat("duplicate rule id '", rule.id,
                                          "' (first defined at line ", it->second,
                                          "); ids are unique within a file — a later "
                                          "file may reuse one to replace the rule"));
      continue;
    }
    entries->push_back(std::move(*entry));
  }
}

std::optional<RuleFileEntry> RuleFileParser::ParseRule(const YAML::Node& node,
                                                       const std::string& default_law) {
  const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 1;
  if (!node.IsMap()) {
    ErrorAtLine(line, "each rule must be a mapping ('- id: ...', 'kinds: ...')");
    return std::nullopt;
  }
  const size_t errors_before = errors_.size();
  CheckKeys(node, std::begin(kRuleKeys), std::size(kRuleKeys), "a rule");

  RuleFileEntry entry;
  Rule& rule = entry.rule;
  rule.file = path_;
  rule.line = line;

  // First pass: collect values by key; validation that needs several keys
  // (levels need the kind) comes after.
  RuleLists lists;
  for (const auto& kv : node) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    ReadRuleKey(key, kv.second, line, &entry, &lists);
  }

  CheckId(rule, line);
  // A disabled entry only needs its id; whatever else it carries (say, a
  // copied rule switched off) is not validated.
  if (entry.disabled) {
    if (errors_.size() != errors_before) return std::nullopt;
    return entry;
  }

  ParseKinds(lists.kinds, line, &rule);
  ParseLevels(lists.levels, line, &rule);
  ParsePurposes(lists.purposes, line, &rule);
  ParseOutfallTypes(lists.outfall_types, line, &rule);
  ParseActions(lists.actions, line, &rule);
  CheckComplete(lists, default_law, line, &rule);
  if (errors_.size() != errors_before) return std::nullopt;
  return entry;
}

void RuleFileParser::ReadRuleKey(const std::string& key, const YAML::Node& value, int line,
                                 RuleFileEntry* entry, RuleLists* lists) {
  Rule& rule = entry->rule;
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
    entry->disabled = disabled;
  } else if (key == "kinds") {
    lists->kinds.emplace(value);
  } else if (key == "levels") {
    lists->levels.emplace(value);
  } else if (key == "purposes") {
    lists->purposes.emplace(value);
  } else if (key == "outfall_types") {
    lists->outfall_types.emplace(value);
  } else if (key == "actions") {
    lists->actions.emplace(value);
  } else if (key == "inside") {
    if (!YAML::convert<bool>::decode(value, rule.inside)) {
      Error(value.Mark(), line, "'inside' must be true or false");
    }
  } else if (key == "setback_m") {
    ReadSetback(value, line, &rule, lists);
  } else if (key == "verdict") {
    lists->has_verdict = true;
    ReadVerdict(value, line, &rule);
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

void RuleFileParser::ReadSetback(const YAML::Node& value, int line, Rule* rule, RuleLists* lists) {
  lists->setback_ok = false;
  double setback = 0;
  if (!YAML::convert<double>::decode(value, setback) || !std::isfinite(setback)) {
    Error(value.Mark(), line, "'setback_m' must be a number of metres");
  } else if (setback < 0) {
    Error(value.Mark(), line,
          absl::StrCat("negative setback_m ", value.Scalar(),
                       ": a setback is a distance in metres, >= 0"));
  } else {
    rule->setback_m = setback;
    lists->setback_ok = true;
  }
}

void RuleFileParser::ReadVerdict(const YAML::Node& value, int line, Rule* rule) {
  std::optional<std::string> s = String(value, "verdict", line);
  if (!s) return;
  absl::StatusOr<Verdict> verdict = ParseVerdict(*s);
  if (!verdict.ok()) {
    Error(value.Mark(), line, std::string(verdict.status().message()));
  } else if (*verdict == Verdict::kNeedsPurpose) {
    Error(value.Mark(), line,
          "verdict NEEDS_PURPOSE is reported by the check itself; a "
          "rule gives CLEAR, CONDITIONAL, RESTRICTED or PROHIBITED");
  } else {
    rule->verdict = *verdict;
  }
}

void RuleFileParser::CheckId(const Rule& rule, int line) {
  if (rule.id.empty()) {
    ErrorAtLine(line, "missing 'id': every rule needs a unique id");
  } else if (!std::all_of(rule.id.begin(), rule.id.end(), [](char c) {
               return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
             })) {
    ErrorAtLine(line, absl::StrCat("rule id '", rule.id,
                                   "' may only use letters, digits, '-', "
                                   "'_' and '.'"));
  }
}

void RuleFileParser::CheckComplete(const RuleLists& lists, const std::string& default_law, int line,
                                   Rule* rule) {
  if (!lists.has_verdict) {
    ErrorAtLine(line,
                "missing 'verdict': CLEAR, CONDITIONAL, RESTRICTED or "
                "PROHIBITED");
  }
  if (rule->message_zh.empty()) {
    ErrorAtLine(line, "missing 'message_zh': the message shown with the verdict");
  }
  if (rule->basis.law.empty()) rule->basis.law = default_law;
  if (rule->basis.law.empty()) {
    ErrorAtLine(line,
                "missing legal basis: 'law' (on the rule, or as the "
                "file's default 'law')");
  }
  if (rule->basis.text.empty()) {
    ErrorAtLine(line, "missing legal basis: 'text', the quoted provision");
  }
  if (!rule->inside && rule->setback_m == 0 && lists.setback_ok) {
    ErrorAtLine(line,
                "the rule applies neither inside the zone ('inside: "
                "false') nor within a setback ('setback_m' > 0)");
  }
}

void RuleFileParser::ParseKinds(const std::optional<YAML::Node>& node, int line, Rule* rule) {
  if (!node.has_value()) {
    ErrorAtLine(line, "missing 'kinds': the zone kinds the rule applies to");
    return;
  }
  const YAML::Node& value = *node;
  std::optional<std::vector<Item>> items = List(value, "kinds", line);
  if (!items) return;
  for (const Item& item : *items) {
    absl::StatusOr<ZoneKind> kind =
        ParseZoneKind(absl::AsciiStrToLower(absl::StripAsciiWhitespace(item.value)));
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

void RuleFileParser::ParseLevels(const std::optional<YAML::Node>& node, int line, Rule* rule) {
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
    absl::StatusOr<std::string> level = ParseRuleLevel(rule->kinds[0], item.value);
    if (!level.ok()) {
      Error(item.mark, line, std::string(level.status().message()));
    } else {
      AddUnique(&rule->levels, *std::move(level));
    }
  }
}

void RuleFileParser::ParsePurposes(const std::optional<YAML::Node>& node, int line, Rule* rule) {
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

void RuleFileParser::ParseOutfallTypes(const std::optional<YAML::Node>& node, int line,
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
      (rule->purposes.size() != 1 || rule->purposes[0] != Purpose::kOutfall)) {
    Error(value.Mark(), line,
          "'outfall_types' only applies to a rule whose purposes are "
          "[OUTFALL]");
  }
}

void RuleFileParser::ParseActions(const std::optional<YAML::Node>& node, int line, Rule* rule) {
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

}  // namespace rules_internal
}  // namespace redline
