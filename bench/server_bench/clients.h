// The benchmark's clients on the gRPC async (CompletionQueue) API: one call
// at a time for the latency figures, many outstanding for the throughput.
#ifndef REDLINE_BENCH_SERVER_BENCH_CLIENTS_H_
#define REDLINE_BENCH_SERVER_BENCH_CLIENTS_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server_bench/common.h"

namespace redline::bench {

// ------------------------------------------------------- sequential (latency)

// One client: a single channel and completion queue, one call at a time.
class SequentialClient {
 public:
  explicit SequentialClient(std::shared_ptr<grpc::Channel> channel) : stub_(std::move(channel)) {}
  ~SequentialClient() {
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  // Times one call from context creation to its completion on the queue.
  double Call(const std::string& method, const grpc::ByteBuffer& request,
              grpc::ByteBuffer* response, grpc::Status* status) {
    const Clock::time_point start = Clock::now();
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    auto rpc = stub_.PrepareUnaryCall(&context, method, request, &cq_);
    rpc->StartCall();
    rpc->Finish(response, status, this);
    void* tag;
    bool ok;
    if (!cq_.Next(&tag, &ok) || tag != this || !ok) Die("completion queue failed");
    return Micros(Clock::now() - start);
  }

 private:
  Stub stub_;
  grpc::CompletionQueue cq_;
};

struct CallErrors {
  long count = 0;
  std::string first;
  void Note(const char* what, const grpc::Status& s) {
    if (count++ == 0) {
      first = absl::StrCat(what, ": ", s.error_code(), " ", s.error_message());
    }
  }
};

// -------------------------------------------------- concurrent (throughput)

struct SliceResult {
  long done = 0;
  double seconds = 0;
};

// One client thread: its own channel, completion queue and `slots` calls
// kept outstanding; every completion before the slice ends starts another.
class ConcurrentClient {
 public:
  ConcurrentClient(const std::string& target, int slots)
      : stub_(MakeChannel(target)), slots_(slots) {}
  ~ConcurrentClient() {
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  SliceResult RunSlice(const std::string& method, const std::vector<grpc::ByteBuffer>& requests,
                       Clock::time_point start, Clock::time_point end, CallErrors* errors) {
    int outstanding = 0;
    for (Slot& s : slots_) {
      Start(&s, method, requests);
      ++outstanding;
    }
    SliceResult r;
    Clock::time_point last = start;
    while (outstanding > 0) {
      void* tag;
      bool ok;
      if (!cq_.Next(&tag, &ok) || !ok) Die("completion queue failed");
      Slot* s = static_cast<Slot*>(tag);
      const Clock::time_point now = Clock::now();
      if (s->status.ok()) {
        ++r.done;
      } else {
        errors->Note(method.c_str(), s->status);
      }
      last = now;
      if (now < end) {
        Start(s, method, requests);
      } else {
        --outstanding;
      }
    }
    r.seconds = std::chrono::duration<double>(last - start).count();
    return r;
  }

 private:
  struct Slot {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> rpc;
    grpc::ByteBuffer response;
    grpc::Status status;
  };

  void Start(Slot* s, const std::string& method, const std::vector<grpc::ByteBuffer>& requests) {
    s->context = std::make_unique<grpc::ClientContext>();
    s->context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    s->rpc =
        stub_.PrepareUnaryCall(s->context.get(), method, requests[next_++ % requests.size()], &cq_);
    s->rpc->StartCall();
    s->rpc->Finish(&s->response, &s->status, s);
  }

  Stub stub_;
  grpc::CompletionQueue cq_;
  std::vector<Slot> slots_;
  size_t next_ = 0;
};

}  // namespace redline::bench

#endif  // REDLINE_BENCH_SERVER_BENCH_CLIENTS_H_
