// The record's wording of the API's enums, Chinese and English: verdicts,
// purposes, outfall types, actions and relations are the record's own; zone
// kinds come from the names table shared with the CLI and the page
// (spatial/rules/names.h).
#ifndef REDLINE_REPORT_VOCABULARY_H_
#define REDLINE_REPORT_VOCABULARY_H_

#include <string>

#include "redline/v1/redline.pb.h"
#include "spatial/rules/names.h"

namespace redline::report {

using Names = DisplayName;

Names VerdictNames(v1::Verdict v);
// The CSS class of a verdict's colours in record.css ("v-prohibited").
const char* VerdictClass(v1::Verdict v);
Names PurposeNames(v1::Siting::Purpose p);
Names OutfallTypeNames(v1::Siting::OutfallType t);
Names ActionNames(v1::Siting::Action a);
Names KindNames(v1::ZoneKind k);
Names RelationNames(v1::ZoneHit::Relation r);

// "中文 <span class="en">English</span>", both escaped.
std::string Bilingual(const Names& n);

}  // namespace redline::report

#endif  // REDLINE_REPORT_VOCABULARY_H_
