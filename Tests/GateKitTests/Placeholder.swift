import Testing
@testable import GateKit
