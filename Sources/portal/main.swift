import Foundation
import PortalServer

exit(await PortalMain.run(arguments: CommandLine.arguments))
