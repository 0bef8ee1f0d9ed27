/// RFC 4180 records from a byte stream: quoted fields may hold commas, doubled quotes and line
/// breaks; CRLF or LF ends a record. Each record carries the line it starts on, counting the line
/// breaks inside quoted fields, so errors point at the right line of the file.
struct CSVParser {
    enum Event: Equatable {
        case record(line: Int, fields: [String])
        case malformed(line: Int, reason: String)
    }

    private enum State {
        case fieldStart, unquoted, quoted, quoteInQuoted
        /// After an oversized record: drop bytes until the next line break, then start afresh.
        case skippingLine
    }

    let maximumRecordBytes: Int
    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var recordBytes = 0
    private var line = 1
    private var recordLine = 1
    private var problem: String?

    init(maximumRecordBytes: Int) {
        self.maximumRecordBytes = maximumRecordBytes
    }

    mutating func consume(_ bytes: [UInt8], emit: (Event) -> Void) {
        for byte in bytes {
            if byte == 0x0A { line += 1 }
            if state == .skippingLine {
                if byte == 0x0A { startRecord() }
                continue
            }
            if recordBytes == 0 { recordLine = byte == 0x0A ? line - 1 : line }
            recordBytes += 1
            if recordBytes > maximumRecordBytes {
                emit(.malformed(line: recordLine, reason: "row is longer than \(maximumRecordBytes) bytes (an unclosed quote?)."))
                state = .skippingLine
                if byte == 0x0A { startRecord() }
                continue
            }
            step(byte, emit: emit)
        }
    }

    /// The end of input: the last record without a final line break, or an unclosed quote.
    mutating func finish(emit: (Event) -> Void) {
        switch state {
        case .quoted:
            emit(.malformed(line: recordLine, reason: "quoted field is never closed."))
        case .skippingLine:
            break
        case .fieldStart, .unquoted, .quoteInQuoted:
            if recordBytes > 0 { endRecord(emit: emit) }
        }
        startRecord()
    }

    private mutating func step(_ byte: UInt8, emit: (Event) -> Void) {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline: UInt8 = 0x0A, carriageReturn: UInt8 = 0x0D
        switch state {
        case .fieldStart:
            switch byte {
            case quote: state = .quoted
            case comma: endField()
            case newline: endRecord(emit: emit)
            case carriageReturn: break
            default: field.append(byte); state = .unquoted
            }
        case .unquoted:
            switch byte {
            case comma: endField(); state = .fieldStart
            case newline: endRecord(emit: emit)
            case carriageReturn: break
            case quote: field.append(byte); problem = problem ?? "a quote inside an unquoted field."
            default: field.append(byte)
            }
        case .quoted:
            if byte == quote { state = .quoteInQuoted } else { field.append(byte) }
        case .quoteInQuoted:
            switch byte {
            case quote: field.append(byte); state = .quoted
            case comma: endField(); state = .fieldStart
            case newline: endRecord(emit: emit)
            case carriageReturn: break
            default: field.append(byte); problem = problem ?? "text after a closing quote."
            }
        case .skippingLine:
            break
        }
    }

    private mutating func endField() {
        fields.append(String(decoding: field, as: UTF8.self))
        field = []
    }

    private mutating func endRecord(emit: (Event) -> Void) {
        endField()
        if let problem {
            emit(.malformed(line: recordLine, reason: problem))
        } else if fields != [""] {
            // A blank line is not a record.
            emit(.record(line: recordLine, fields: fields))
        }
        startRecord()
    }

    private mutating func startRecord() {
        state = .fieldStart
        field = []
        fields = []
        recordBytes = 0
        problem = nil
    }
}
