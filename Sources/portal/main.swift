import Foundation
import NIOCore
import NIOPosix
import PortalServer

// Swift concurrency runs on the server's event loops, so a request's handler, its database
// calls and its response do not hop between two thread pools.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
exit(await PortalMain.run(arguments: CommandLine.arguments))
