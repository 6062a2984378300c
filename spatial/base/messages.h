// Texts for people as codes with parameters, in Chinese and English.
//
// Every sentence the service says to a person (a verdict's reason, a note
// on how coordinates were read, a note on how an upload was read) is a
// Message: a stable code such as
// "verdict.rule" and its parameters (ids, names, numbers, all as text).
// The catalogue below holds each code's wording in both languages, with
// {name} where a parameter goes; the clients show one language throughout
// (the page by its language switch, the CLI by --lang, the record by its
// lang) and programs can act on the code without parsing English.
//
// The English wording is what the API's older string fields
// (verdict_reason, notes) have always carried, so those fields keep their
// text: they are RenderMessage(message, Lang::kEn).
//
// Constant data; thread-safe.
#ifndef REDLINE_SPATIAL_BASE_MESSAGES_H_
#define REDLINE_SPATIAL_BASE_MESSAGES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace redline {

enum class Lang { kZh, kEn };

// A text for people, before it is put into words.
struct Message {
  std::string code;
  // In the order the producer gave them; codes name each at most once.
  std::vector<std::pair<std::string, std::string>> params;
  bool operator==(const Message&) const = default;
};

// One code's wording. Placeholders are {name}; a parameter named
// "verdict" holds a verdict's API name (PROHIBITED ...) and is worded in
// the language (禁止 ...).
struct MessageTemplate {
  absl::string_view code;
  absl::string_view zh;
  absl::string_view en;
};

// Every code, grouped by where it is said (verdict., coords., geometry.,
// upload.).
absl::Span<const MessageTemplate> AllMessageTemplates();

// The code's wording, or null for a code this build does not know.
const MessageTemplate* FindMessageTemplate(absl::string_view code);

// The message in `lang`. An unknown code renders as the code and its
// parameters, so nothing is lost; a placeholder without a parameter is
// left as written.
std::string RenderMessage(const Message& message, Lang lang);

// The placeholders of a wording, in order of first use.
std::vector<std::string> Placeholders(absl::string_view text);

// A verdict's API name (PROHIBITED ...) in `lang`; other values unchanged.
absl::string_view VerdictWord(absl::string_view api_name, Lang lang);

// Keeps a note both ways: the message, and its English text for the older
// string field beside it.
void AddNote(Message message, std::vector<std::string>& notes, std::vector<Message>& messages);

}  // namespace redline

#endif  // REDLINE_SPATIAL_BASE_MESSAGES_H_
