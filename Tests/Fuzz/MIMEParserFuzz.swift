// libFuzzer target for the MIME layer: every input is parsed as a spooled message (as
// `GET /messages/{id}` does) and, when that works, part 1 is extracted (as an attachment download
// does). Built and run by Tests/Fuzz/run.sh; a crash, leak or hang is a finding.
import Postillon
#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) private var spoolPath: String?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMIMEParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    if spoolPath == nil {
        GMime.initialize()
        spoolPath = "/tmp/postillon-fuzz-mime-\(getpid())"
    }
    let path = spoolPath!
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return 0 }
    if size > 0, let data { _ = write(fd, data, size) }
    close(fd)
    var parser = MessageParser()
    parser.timeoutMillis = 2_000
    if let message = try? parser.parse(file: path, id: "fuzz", size: size) {
        let output = path + ".part"
        for attachment in message.attachments.prefix(3) {
            _ = try? parser.extract(file: path, partId: attachment.partId, to: output)
        }
        unlink(output)
    }
    return 0
}
