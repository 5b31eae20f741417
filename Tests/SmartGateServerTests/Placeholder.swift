import Testing
import VaporTesting
@testable import SmartGateServer
