import Foundation
import PostillonTestSupport
import Testing

/// The `postillon` binary as a process: the GSlice re-exec and stop signals during start-up.
@Suite struct GSliceReexecTests {
    /// A fresh scratch directory for the state store, removed by the caller.
    private func scratch(_ name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Starts the debug binary on a free port with its state in `directory`, without `G_SLICE` or
    /// `POSTILLON_*` variables from this process's environment.
    private func launch(stateIn directory: String) throws -> Process {
        let binary = MailServerEnvironment.repositoryRoot + "/.build/debug/postillon"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the postillon binary first")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--listen", "127.0.0.1:0", "--public-dir", MailServerEnvironment.repositoryRoot + "/Public",
                             "--state", "sqlite:\(directory)/state.db", "--log-level", "error"]
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "G_SLICE" && !$0.key.hasPrefix("POSTILLON_") }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Sends SIGTERM and waits up to `seconds` for the process to end (SIGKILL after that).
    /// - Returns: whether it stopped on the SIGTERM.
    @discardableResult
    private func stop(_ process: Process, within seconds: Int) -> Bool {
        process.terminate()
        for _ in 0..<(seconds * 10) where process.isRunning { usleep(100_000) }
        let stopped = !process.isRunning
        if !stopped { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return stopped
    }

    /// Regression (issue 11, RSS after a MIME part bomb): GLib 2.74's GSlice kept the memory of every
    /// parse in per-thread magazines (RSS +66 % after three rounds of a 300,000-part message); the binary
    /// now runs with `G_SLICE=always-malloc`, set before GLib loads by exec-ing itself once.
    @Test func theServerRunsWithMallocBackedGSlice() throws {
        let directory = try scratch("gslice")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = try launch(stateIn: directory)
        defer { stop(process, within: 30) }
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
        let directory = try scratch("sigterm")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for delayMillis in [0, 20, 60, 150] {
            let process = try launch(stateIn: directory)
            usleep(UInt32(delayMillis * 1000))
            #expect(stop(process, within: 15), "SIGTERM \(delayMillis) ms after start: still running 15 s later")
        }
    }
}
