// Private to spatial/rules (rules.cc and rules_yaml.cc): the reader of one
// YAML rule file (the schema is in data/rules/README.md), behind
// RuleSet::LoadFiles. It turns a file into entries and collects every error it
// finds with its line, so an author sees all of them at once.
#ifndef REDLINE_SPATIAL_RULES_RULES_YAML_H_
#define REDLINE_SPATIAL_RULES_RULES_YAML_H_

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "spatial/rules/rules.h"
#include "yaml-cpp/yaml.h"

namespace redline {
namespace rules_internal {

// One entry of a rule file: a rule, or `{id: ..., disabled: true}` switching
// off a rule of an earlier file (then only rule.id and rule.line are set).
struct RuleFileEntry {
  Rule rule;
  bool disabled = false;
};

// Parses one rule file into entries, collecting every error it finds with its
// line. yaml-cpp throws; only Load() catches, so nothing escapes.
class RuleFileParser {
 public:
  explicit RuleFileParser(std::string path) : path_(std::move(path)) {}

  // Returns NotFound / InvalidArgument for a file that cannot be read or
  // parsed as YAML; content errors are collected (see FormattedErrors()).
  absl::Status Load(std::vector<RuleFileEntry>* entries);

  // Records an error found after parsing (LoadFiles: disabling an unknown id).
  void ErrorAtLine(int line, std::string message);

  // "file:line: message" lines, in line order.
  std::vector<std::string> FormattedErrors();

  bool has_errors() const { return !errors_.empty(); }

 private:
  // A scalar of a list-valued key, with where it was written.
  struct Item {
    std::string value;
    YAML::Mark mark;
  };

  // The list-valued keys of one rule, kept from the first pass over its keys:
  // validation that needs several keys (levels need the kind) comes after.
  // Held in optionals: assigning to a live YAML::Node would rebind the node
  // it refers to rather than the handle.
  struct RuleLists {
    std::optional<YAML::Node> kinds, levels, purposes, outfall_types, actions;
    bool has_verdict = false;
    bool setback_ok = true;  // a bad setback is reported once, not twice
  };

  // The file's text: from disk, or compiled in for a "builtin:" path.
  absl::Status ReadText();

  // yaml-cpp notices an unclosed '[' or '{' only where the next key begins,
  // often lines later; the author needs the line that opened it.
  std::string SyntaxError(const YAML::ParserException& e);

  void Error(const YAML::Mark& mark, int fallback_line, std::string message);

  // yaml-cpp marks are 0-based, and null (-1) for nodes it made up.
  static int LineOf(const YAML::Mark& mark, int fallback_line);

  // Checks the keys of a mapping: each known, none twice.
  void CheckKeys(const YAML::Node& map, const absl::string_view* known, size_t known_count,
                 absl::string_view where);

  // A string value; null reads as empty. Surrounding white space (including
  // the newline a `|` block scalar keeps) is dropped.
  std::optional<std::string> String(const YAML::Node& value, absl::string_view key, int line);

  // A list value: a sequence of scalars, or one scalar for a one-item list.
  std::optional<std::vector<Item>> List(const YAML::Node& value, absl::string_view key, int line);

  void ParseRoot(const YAML::Node& root, std::vector<RuleFileEntry>* entries);

  // Returns nullopt when the rule has errors (already recorded).
  std::optional<RuleFileEntry> ParseRule(const YAML::Node& node, const std::string& default_law);

  // ParseRule's steps: one key of the rule read into `entry` (list-valued keys
  // kept in `lists`); the id checked; the required fields checked.
  void ReadRuleKey(const std::string& key, const YAML::Node& value, int line, RuleFileEntry* entry,
                   RuleLists* lists);
  void ReadSetback(const YAML::Node& value, int line, Rule* rule, RuleLists* lists);
  void ReadVerdict(const YAML::Node& value, int line, Rule* rule);
  void CheckId(const Rule& rule, int line);
  void CheckComplete(const RuleLists& lists, const std::string& default_law, int line, Rule* rule);

  void ParseKinds(const std::optional<YAML::Node>& node, int line, Rule* rule);
  void ParseLevels(const std::optional<YAML::Node>& node, int line, Rule* rule);
  void ParsePurposes(const std::optional<YAML::Node>& node, int line, Rule* rule);
  void ParseOutfallTypes(const std::optional<YAML::Node>& node, int line, Rule* rule);
  void ParseActions(const std::optional<YAML::Node>& node, int line, Rule* rule);

  std::string path_;
  std::string text_;
  std::vector<std::pair<int, std::string>> errors_;
};

}  // namespace rules_internal
}  // namespace redline

#endif  // REDLINE_SPATIAL_RULES_RULES_YAML_H_
