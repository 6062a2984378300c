// The CLI's channel to a server: TLS when --tls-ca is given (else plain
// text, as a server on loopback speaks), showing the client certificate of
// --tls-cert/--tls-key when given (mutual TLS), and the bearer token of
// --token-file / REDLINE_TOKEN sent with every call.
#ifndef REDLINE_CLIENTS_CLI_CHANNEL_H_
#define REDLINE_CLIENTS_CLI_CHANNEL_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

#include "clients/cli/flags.h"

namespace redline::cli {

std::shared_ptr<grpc::Channel> OpenChannel(const std::string& server,
                                           const ChannelSecurity& security,
                                           const grpc::ChannelArguments& args = {});

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_CHANNEL_H_
