// Parses message files (and the generated malformed inputs) with `MessageParser`, extracting every
// part, a number of times over: a small process to run under valgrind (see Tests/MIME-checks.md),
// where the Swift Testing runner itself cannot run. Usage: MIMECheck [--repeat N] FILE...
import Foundation
import Postillon
import PostillonTestSupport

var arguments = Array(CommandLine.arguments.dropFirst())
var rounds = 1
if arguments.first == "--repeat", arguments.count >= 2, let count = Int(arguments[1]) {
    rounds = count
    arguments.removeFirst(2)
}

GMime.initialize()
let parser = MessageParser()
var inputs: [(name: String, bytes: [UInt8])] = []
for path in arguments {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
        exit(2)
    }
    inputs.append(((path as NSString).lastPathComponent, Array(data)))
}
inputs.append(("nested-500", MIMEFixtures.deeplyNested(depth: 500)))
for (index, bytes) in MIMEFixtures.malformedInputs.enumerated() {
    inputs.append(("malformed-\(index)", bytes))
}

/// Parses one input from a spool file and extracts each listed part; returns a one-line summary.
func check(_ bytes: [UInt8]) throws -> String {
    let file = try SpooledFile()
    try bytes.withUnsafeBytes { try file.write($0) }
    file.finishWriting()
    let message: ParsedMessage
    do {
        message = try parser.parse(file: file.path, id: "check", size: bytes.count)
    } catch let error as MIMEError {
        return "not parsed: \(error)"
    }
    _ = try JSONEncoder().encode(message)
    var extracted = 0
    for attachment in message.attachments {
        let output = try SpooledFile()
        output.finishWriting()
        extracted += try parser.extract(file: file.path, partId: attachment.partId, to: output.path).size
    }
    _ = HeaderSummaryParser.parse(bytes)
    return "text \(message.text?.utf8.count ?? -1) B, html \(message.html?.utf8.count ?? -1) B, "
        + "\(message.attachments.count) parts (\(extracted) B), \(message.warnings.count) warnings"
}

for round in 1...rounds {
    for input in inputs {
        let summary = try check(input.bytes)
        if round == rounds { print("\(input.name): \(summary)") }
    }
}
