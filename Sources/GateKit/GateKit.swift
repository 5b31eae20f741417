public enum GateKitVersion { public static let value = "0.1.0" }
