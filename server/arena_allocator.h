// Request and response of a unary call on one protobuf arena.
//
// A CheckPoint answer is some forty messages and strings (hits, rules with
// their legal basis, attributes). Built on the heap, each is a malloc and a
// free, which cost as much as the spatial check itself; on an arena they are
// bumps of a pointer into one block, freed at once when gRPC has sent the
// answer. The block starts inside the holder, so a typical call makes one
// allocation in all; bigger answers (geometries) grow the arena as usual.
#ifndef REDLINE_SERVER_ARENA_ALLOCATOR_H_
#define REDLINE_SERVER_ARENA_ALLOCATOR_H_

#include <cstddef>

#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace redline::server {

template <typename Request, typename Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    return new Holder();
  }

 private:
  // Covers a CheckPoint answer with several hits and rules (~2-8 kB in
  // memory) without a second block.
  static constexpr size_t kInitialBlock = 16 * 1024;

  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(Options(block_)) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(char* block) {
      google::protobuf::ArenaOptions options;
      options.initial_block = block;
      options.initial_block_size = kInitialBlock;
      return options;
    }

    // Declared before the arena, which uses it until its own destruction.
    alignas(std::max_align_t) char block_[kInitialBlock];
    google::protobuf::Arena arena_;
  };
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_ARENA_ALLOCATOR_H_
