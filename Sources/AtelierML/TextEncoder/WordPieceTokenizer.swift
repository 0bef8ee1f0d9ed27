import Foundation

/// BERT's WordPiece tokenizer (uncased): text → `[CLS] … [SEP]` token ids, truncated to `maxLength`.
public struct WordPieceTokenizer: Sendable {
    /// Longest sequence returned, `[CLS]` and `[SEP]` included.
    public let maxLength: Int
    public let classifierID: Int
    public let separatorID: Int
    public let unknownID: Int
    /// Number of ids (lines of vocab.txt); every id returned is below it.
    public let vocabularySize: Int
    private let vocabulary: [String: Int]
    /// Special tokens written literally in the text, matched before any normalisation as the
    /// reference tokenizer does ("[MASK]" in a description is one token, not five).
    private let literalSpecials: [(text: String, id: Int)]

    /// Words longer than this are one `[UNK]`, as in BERT.
    static let maxWordLength = 100

    /// Reads `vocab.txt`: one token a line, its id the line number.
    public init(vocabulary url: URL, maxLength: Int = 256) throws {
        guard let data = try? Data(contentsOf: url) else { throw TextModelError.missingFile(url.path) }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        try self.init(tokens: lines.map { String(decoding: $0, as: UTF8.self) }, maxLength: maxLength)
    }

    public init(tokens: [String], maxLength: Int = 256) throws {
        precondition(maxLength >= 2, "maxLength must leave room for [CLS] and [SEP]")
        var vocabulary: [String: Int] = [:]
        for (id, token) in tokens.enumerated() { vocabulary[token] = id }
        func id(_ token: String) throws -> Int {
            guard let id = vocabulary[token] else { throw TextModelError.malformedVocabulary("no \(token) token") }
            return id
        }
        self.vocabulary = vocabulary
        self.maxLength = maxLength
        vocabularySize = tokens.count
        classifierID = try id("[CLS]")
        separatorID = try id("[SEP]")
        unknownID = try id("[UNK]")
        literalSpecials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { token in
            vocabulary[token].map { (token, $0) }
        }
    }

    /// `[CLS]`, the word pieces of `text` (at most `maxLength - 2`), `[SEP]`.
    public func tokenize(_ text: String) -> [Int] {
        let budget = maxLength - 2
        var pieces: [Int] = []
        // Scalar views, not Substrings: a special token may start or end inside a grapheme
        // ("[SEP]" + combining accent), and Substring indices would round to grapheme boundaries.
        var rest = text.unicodeScalars[...]
        // Stops early on long texts: pieces past the budget would be truncated anyway.
        while pieces.count < budget {
            guard let (range, id) = firstSpecial(in: rest) else {
                appendPieces(of: rest, to: &pieces, budget: budget)
                break
            }
            appendPieces(of: rest[..<range.lowerBound], to: &pieces, budget: budget)
            pieces.append(id)
            rest = rest[range.upperBound...]
        }
        return [classifierID] + pieces.prefix(budget) + [separatorID]
    }

    private func firstSpecial(in text: Substring.UnicodeScalarView) -> (Range<String.Index>, Int)? {
        guard text.contains("[") else { return nil }
        var best: (Range<String.Index>, Int)?
        for (literal, id) in literalSpecials {
            if let range = text.firstRange(of: literal.unicodeScalars),
               range.lowerBound < best?.0.lowerBound ?? text.endIndex {
                best = (range, id)
            }
        }
        return best
    }

    private func appendPieces(of text: Substring.UnicodeScalarView, to pieces: inout [Int], budget: Int) {
        for word in BertTextSplitter.words(text) {
            if pieces.count >= budget { return }
            pieces += wordPieces(word)
        }
    }

    /// Greedy longest-match-first split of one word; a word with any unmatched part is `[UNK]`.
    func wordPieces(_ word: [Unicode.Scalar]) -> [Int] {
        if word.count > Self.maxWordLength { return [unknownID] }
        var ids: [Int] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var match: Int?
            while start < end {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[candidate] {
                    match = id
                    break
                }
                end -= 1
            }
            guard let match else { return [unknownID] }
            ids.append(match)
            start = end
        }
        return ids
    }
}
