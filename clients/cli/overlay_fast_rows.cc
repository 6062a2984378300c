#include <cpl_conv.h>
#include <grpcpp/grpcpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/types/span.h"
#include "clients/cli/gpkg_blob.h"
#include "clients/cli/overlay_fast_csv.h"
#include "clients/cli/overlay_fast_internal.h"
#include "clients/cli/overlay_fast_sink.h"
#include "clients/cli/overlay_progress.h"
#include "clients/cli/overlay_row.h"
#include "clients/cli/overlay_summary.h"
#include "clients/cli/overlay_writer.h"
#include "redline/v1/redline.grpc.pb.h"

namespace redline::cli::fast {

std::string BatchId(const Batch& b, size_t r, int csv_id_col) {
  if (!b.ids.empty()) return b.ids[r];
  return csv_id_col >= 0 ? std::string(b.Cell(r, csv_id_col)) : absl::StrCat(b.fid[r]);
}

bool BatchSender::Send(std::unique_ptr<Batch> batch) {
  v1::OverlayRequest request;
  *request.mutable_options() = options_;
  const Batch& b = *batch;
  if (b.points) {
    v1::PointColumns* p = request.mutable_points();
    p->set_crs(in_.crs);
    p->mutable_x()->Add(b.x.begin(), b.x.end());
    p->mutable_y()->Add(b.y.begin(), b.y.end());
  } else {
    // As the GDAL path sends them, for the same error texts.
    for (size_t r = 0; r < b.size(); ++r) {
      v1::OverlayFeature* f = request.add_features();
      f->set_id(BatchId(b, r, csv_id_col_));
      f->mutable_geometry()->set_crs(in_.crs);
      if (b.has_point[r]) {
        std::string wkb(21, '\0');
        wkb[0] = 1;
        const uint32_t type = 1;
        std::memcpy(&wkb[1], &type, 4);
        std::memcpy(&wkb[5], &b.x[r], 8);
        std::memcpy(&wkb[13], &b.y[r], 8);
        f->mutable_geometry()->set_wkb(std::move(wkb));
      }
    }
  }
  return queue_->Push(std::move(batch)) && stream_->Write(request);
}

void RowWriter::Tables(const v1::OverlayBatchResult& batch) {
  for (const v1::ZoneEntry& z : batch.zones()) {
    if (z.index() >= zones_.size()) zones_.resize(z.index() + 1);
    zones_[z.index()] = std::make_unique<ZoneInfo>(ZoneInfo{z});
  }
  for (const v1::RuleEntry& r : batch.rules()) {
    if (r.index() >= rules_.size()) rules_.resize(r.index() + 1);
    rules_[r.index()] = RuleInfo{r.rule().rule_id(), r.rule().verdict(), r.rule().setback_m()};
  }
}

void RowWriter::Transform(const struct Batch& b) {
  lon_ = b.x;
  lat_ = b.y;
  lonlat_ok_.assign(b.size(), 0);
  if (in_.to_lonlat == nullptr || b.size() == 0) return;
  in_.to_lonlat->Transform(b.size(), lon_.data(), lat_.data(), nullptr, lonlat_ok_.data());
}

absl::string_view RowWriter::Id(const struct Batch& b, size_t i) {
  if (!b.ids.empty()) return b.ids[i];
  if (csv_id_col_ >= 0) return b.Cell(i, csv_id_col_);
  id_ = absl::StrCat(b.fid[i]);
  return id_;
}

void RowWriter::Write(const v1::OverlayResult& message, const struct Batch& b) {
  const v1::OverlayBatchResult& batch = message.batch();
  Tables(batch);
  Transform(b);
  if (!b.points) {
    for (int i = 0; i < batch.results_size() && static_cast<size_t>(i) < b.size(); ++i) {
      v1::OverlayResult one = batch.results(i);
      one.set_dataset_version(message.dataset_version());
      FeatureRows(one, b, i);
    }
  } else {
    next_hit_ = next_near_ = next_hit_rule_ = next_near_rule_ = next_error_ = next_inter_ = 0;
    const v1::PointResults& p = batch.points();
    for (size_t i = 0; i < b.size() && static_cast<int>(i) < p.hit_count_size(); ++i) {
      row_.Clear();
      row_.Set(kDatasetVersion, message.dataset_version());
      PointRow(p, b, i);
    }
  }
  Flush();
}

// Point `i`'s rows, from the columns (as overlay_answers.cc reads them).
void RowWriter::PointRow(const v1::PointResults& p, const struct Batch& b, size_t i) {
  const absl::string_view id = Id(b, i);
  row_.Set(kInputId, id);
  if (next_error_ < static_cast<size_t>(p.error_index_size()) && p.error_index(next_error_) == i) {
    row_.Set(kError, p.error(next_error_));
    summary_.AddError(id, p.error(next_error_));
    ++next_error_;
    Row(b, i, lonlat_ok_[i] ? &lon_[i] : nullptr, &lat_[i], false);
    return;
  }
  ++summary_.read;
  const bool whole = p.verdict_size() > 0;
  if (whole) {
    const auto verdict = static_cast<v1::Verdict>(p.verdict(i));
    summary_.AddVerdict(verdict);
    if (verdict != v1::VERDICT_UNSPECIFIED) row_.Set(kVerdict, VerdictText(verdict));
    row_.Set(kVerdictReason, p.reasons(static_cast<int>(p.reason(i))));
    PointNear(p, i);
  }
  const uint32_t hits = p.hit_count(i);
  if (hits == 0) {
    Row(b, i, lonlat_ok_[i] ? &lon_[i] : nullptr, &lat_[i], false);
    return;
  }
  ++summary_.with_hits;
  double ix = 0, iy = 0;
  const bool inter = next_inter_ < static_cast<size_t>(p.intersection_lon_size());
  if (inter) {
    ix = p.intersection_lon(next_inter_);
    iy = p.intersection_lat(next_inter_);
    ++next_inter_;
  }
  for (uint32_t k = 0; k < hits; ++k) {
    PointHit(p);
    Row(b, i, inter ? &ix : nullptr, &iy, true);
  }
}

// The nearest zone of each kind (nearest first in the columns).
void RowWriter::PointNear(const v1::PointResults& p, size_t i) {
  for (uint32_t n = p.near_count(i); n > 0; --n, ++next_near_) {
    const v1::ZoneEntry& z = zones_[p.near_zone(next_near_)]->entry;
    const uint32_t rules = p.near_rule_count(next_near_);
    size_t k = 0;
    while (k < std::size(kNearColumns) && kNearColumns[k].kind != z.kind()) ++k;
    if (k == std::size(kNearColumns) || row_[kNearColumns[k].id].kind != OverlayValue::kNull) {
      next_near_rule_ += rules;
      continue;
    }
    const NearColumns& c = kNearColumns[k];
    row_.Set(c.id, z.zone_id());
    row_.Set(c.metres, p.near_distance_m(next_near_));
    if (c.level != kOverlayColumnCount) row_.Set(c.level, z.normalized_level());
    std::string& text = near_rules_[k];
    text.clear();
    double setback = 0;
    for (uint32_t m = 0; m < rules; ++m) {
      const RuleInfo& rule = rules_[p.near_rule(next_near_rule_++)];
      if (!text.empty()) text.push_back(',');
      text.append(rule.id);
      if (rule.setback_m > setback) setback = rule.setback_m;
    }
    row_.Set(c.rules, text);
    if (setback > 0) row_.Set(c.setback, setback);
  }
}

// The next hit's columns.
void RowWriter::PointHit(const v1::PointResults& p) {
  const v1::ZoneEntry& z = zones_[p.hit_zone(next_hit_)]->entry;
  row_.Set(kZoneLayer, z.layer());
  row_.Set(kZoneKind, KindText(z.kind()));
  row_.Set(kZoneId, z.zone_id());
  row_.Set(kZoneName, z.zone_name());
  row_.Set(kZoneLevel, z.level());
  row_.Set(kZoneLevelNormalized, z.normalized_level());
  row_.Set(kRelation, RelationText(static_cast<v1::ZoneHit::Relation>(p.hit_relation(next_hit_))));
  ++summary_.hits_by_kind[z.kind()];
  hit_rules_.clear();
  v1::Verdict strictest = v1::VERDICT_UNSPECIFIED;
  const uint32_t rules = p.hit_rule_count_size() > 0 ? p.hit_rule_count(next_hit_) : 0;
  for (uint32_t m = 0; m < rules; ++m) {
    const RuleInfo& rule = rules_[p.hit_rule(next_hit_rule_++)];
    if (!hit_rules_.empty()) hit_rules_.push_back(',');
    hit_rules_.append(rule.id);
    if (rule.verdict > strictest) strictest = rule.verdict;
  }
  row_.Set(kZoneVerdict, strictest != v1::VERDICT_UNSPECIFIED ? VerdictText(strictest) : "");
  row_.Set(kRules, hit_rules_);
  ++next_hit_;
}

// A row read without a point: its one-feature answer, as OutputWriter
// writes it.
void RowWriter::FeatureRows(const v1::OverlayResult& r, const struct Batch& b, size_t i) {
  summary_.Add(r);
  row_.Clear();
  FillFeatureColumns(r, &scratch_, &row_);
  const bool has = b.has_point[i] && lonlat_ok_[i];
  if (!r.error().empty() || r.response().hits().empty()) {
    Row(b, i, has ? &lon_[i] : nullptr, &lat_[i], false);
    return;
  }
  for (const v1::ZoneHit& h : r.response().hits()) {
    FillHitColumns(r.response(), h, &scratch_, &row_);
    double x = 0, y = 0;
    const std::string& wkb = h.intersection_wkb();
    const bool point = wkb.size() == 21 && wkb[0] == 1 && wkb[1] == 1;
    if (point) {
      std::memcpy(&x, &wkb[5], 8);
      std::memcpy(&y, &wkb[13], 8);
    }
    Row(b, i, point ? &x : nullptr, &y, true);
  }
}

int StreamFast(const OverlayOptions& options, const Input& in, Connection* connection,
               int csv_id_col, const std::function<void(BatchSender*)>& feed, RowWriter* writer,
               const char* path_name) {
  auto stub = v1::Redline::NewStub(connection->channel);
  grpc::ClientContext context;
  std::unique_ptr<OverlayStream> stream = stub->Overlay(&context);
  BatchQueue queue;
  Progress progress(options.quiet, in.feature_count);
  BatchSender sender(in, options.request_options, csv_id_col, &queue, stream.get());
  PhaseTrace trace;
  double feeding_s = 0;
  std::thread feeding([&] {
    const auto t = std::chrono::steady_clock::now();
    feed(&sender);
    feeding_s = PhaseTrace::Since(t);
  });
  v1::OverlayResult message;
  for (bool first = true; stream->Read(&message); first = false) {
    trace.Lap(first ? "until the first answer" : "waiting for answers");
    std::unique_ptr<Batch> b = queue.Pop();
    if (b == nullptr || !message.has_batch()) {
      context.TryCancel();  // not an answer to our requests: end the call
      break;
    }
    writer->Write(message, *b);
    progress.Update(writer->summary().read);
    trace.Lap("rows from answers, handed to the writer");
  }
  queue.ReaderGone();
  feeding.join();
  const grpc::Status status = stream->Finish();
  trace.Lap("end of the stream");
  const absl::Status written = writer->Close();
  trace.Lap("last writes, close");
  trace.Add("(reading thread: read, parse, send)", feeding_s);
  trace.Print();
  const Summary& summary = writer->summary();
  progress.Done(summary.read);
  std::error_code ec;
  if (!status.ok() && summary.read == 0) {
    std::filesystem::remove(options.output, ec);
    std::cerr << "redline: the overlay stream failed before any answer (" << options.output
              << " not written): " << status.error_message() << "\n";
    return kServerError;
  }
  PrintSummary(summary, progress.Seconds(), options.output, options.json);
  if (!options.json) std::cout << "  (fast path: " << path_name << ")\n";
  if (!written.ok()) {
    std::cerr << "redline: " << options.output << " is incomplete: " << written.message() << "\n";
    return kServerError;
  }
  if (!status.ok()) {
    std::cerr << "redline: the overlay stream failed after " << summary.read
              << " features: " << status.error_message() << "; " << options.output
              << " holds those only\n";
    return kServerError;
  }
  return summary.errors > 0 ? kSomeFailed : kOk;
}

}  // namespace redline::cli::fast
