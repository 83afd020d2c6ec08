import Foundation

/// Finds the certificates in a PEM bundle: each `-----BEGIN CERTIFICATE-----` block whose base64 body
/// decodes to a DER SEQUENCE whose length fits the block. Pure, so it is tested from literals; libcurl
/// (OpenSSL) does the real parsing later, this only makes a wrong file fail at start, not at the first
/// mail request.
enum PEMCertificates {
    /// Why a bundle holds no usable certificate.
    enum Failure: Error, Equatable {
        /// No BEGIN CERTIFICATE block at all (a DER file, a key, some other file).
        case noCertificateBlock
        /// A block whose body is not base64 or not a DER SEQUENCE; the 1-based block number.
        case malformedBlock(Int)
    }

    /// The DER bytes of every certificate in `text`.
    static func parse(_ text: String) throws(Failure) -> [[UInt8]] {
        let begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----"
        var certificates: [[UInt8]] = []
        var rest = Substring(text)
        while let start = rest.range(of: begin) {
            guard let stop = rest[start.upperBound...].range(of: end) else { throw .malformedBlock(certificates.count + 1) }
            let body = rest[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: String(body)), isDERSequence(Array(data)) else {
                throw .malformedBlock(certificates.count + 1)
            }
            certificates.append(Array(data))
            rest = rest[stop.upperBound...]
        }
        guard !certificates.isEmpty else { throw .noCertificateBlock }
        return certificates
    }

    /// Whether `bytes` is exactly one DER SEQUENCE (tag 0x30, definite length covering the rest).
    static func isDERSequence(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2, bytes[0] == 0x30 else { return false }
        var length = Int(bytes[1])
        var header = 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard (1...4).contains(count), bytes.count >= 2 + count else { return false }
            length = bytes[2..<2 + count].reduce(0) { $0 << 8 | Int($1) }
            header += count
        }
        return header + length == bytes.count
    }
}
