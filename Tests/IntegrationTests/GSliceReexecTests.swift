import Foundation
import PostillonTestSupport
import Testing

/// Regression (issue 11, RSS after a MIME part bomb): GLib 2.74's GSlice kept the memory of every
/// parse in per-thread magazines (RSS +66 % after three rounds of a 300,000-part message); the binary
/// now runs with `G_SLICE=always-malloc`, set before GLib loads by exec-ing itself once.
@Suite struct GSliceReexecTests {
    @Test func theServerRunsWithMallocBackedGSlice() throws {
        let binary = MailServerEnvironment.repositoryRoot + "/.build/debug/postillon"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the postillon binary first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gslice-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--listen", "127.0.0.1:0", "--public-dir", MailServerEnvironment.repositoryRoot + "/Public",
                             "--state", "sqlite:\(directory)/state.db", "--log-level", "error"]
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "G_SLICE" && !$0.key.hasPrefix("POSTILLON_") }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            for _ in 0..<300 where process.isRunning { usleep(100_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        var environment: [String] = []
        for _ in 0..<100 {
            let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(process.processIdentifier)/environ"))) ?? Data()
            environment = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if environment.contains("G_SLICE=always-malloc") { break }
            usleep(50_000)
        }
        #expect(environment.contains("G_SLICE=always-malloc"))
        #expect(process.isRunning)
    }

    /// Regression: started by a parent that blocks SIGTERM (Foundation's Process in this test runner;
    /// the mask is inherited), the server never stopped; and a SIGTERM during start-up, before the
    /// signal sources existed, was ignored and lost. Now the stop signals are unblocked at once,
    /// handled from the first moment of Server.run, and stop the server as soon as it has started.
    @Test func aSIGTERMDuringStartUpStillStopsTheServer() throws {
        let binary = MailServerEnvironment.repositoryRoot + "/.build/debug/postillon"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the postillon binary first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sigterm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for delayMillis in [0, 20, 60, 150] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--listen", "127.0.0.1:0", "--public-dir", MailServerEnvironment.repositoryRoot + "/Public",
                                 "--state", "sqlite:\(directory)/state.db", "--log-level", "error"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(delayMillis * 1000))
            process.terminate()
            for _ in 0..<150 where process.isRunning { usleep(100_000) }
            let stopped = !process.isRunning
            if !stopped { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            #expect(stopped, "SIGTERM \(delayMillis) ms after start: still running 15 s later")
        }
    }
}
