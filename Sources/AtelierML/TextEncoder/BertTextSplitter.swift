import Foundation

/// BERT's uncased text clean-up and word splitting, rule for rule as Hugging Face `tokenizers`
/// does it (BertNormalizer with clean_text, handle_chinese_chars, strip_accents and lowercase,
/// then BertPreTokenizer), so token ids match the reference tokenizer.
enum BertTextSplitter {
    /// The words WordPiece will split, each as Unicode scalars (its notion of a character).
    static func words(_ text: Substring.UnicodeScalarView) -> [[Unicode.Scalar]] {
        var cleaned = String.UnicodeScalarView()
        var isASCII = true
        for scalar in text {
            if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if isChinese(scalar) {
                // Every ideograph is a word of its own.
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
                isASCII = isASCII && scalar.isASCII
            }
        }
        // Accents are stripped by decomposing (NFD) and dropping the combining marks; ASCII is already NFD.
        let decomposed = isASCII ? String(cleaned) : String(cleaned).decomposedStringWithCanonicalMapping

        var words: [[Unicode.Scalar]] = []
        var word: [Unicode.Scalar] = []
        func finishWord() {
            if !word.isEmpty { words.append(word) }
            word.removeAll(keepingCapacity: true)
        }
        for scalar in decomposed.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
            for lower in lowercased(scalar) {
                if lower.properties.isWhitespace {
                    finishWord()
                } else if isPunctuation(lower) {
                    finishWord()
                    words.append([lower])
                } else {
                    word.append(lower)
                }
            }
        }
        finishWord()
        return words
    }

    private static func lowercased(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        if scalar.isASCII {
            let v = scalar.value
            return [(65...90).contains(v) ? Unicode.Scalar(v + 32)! : scalar]
        }
        return Array(scalar.properties.lowercaseMapping.unicodeScalars)
    }

    /// Tab, newline and carriage return count as whitespace, not control.
    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// Unicode "other" categories (Cc, Cf, Cn, Co, Cs), which clean-up deletes.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// All ASCII symbols (so `$`, `+`, `<`… split too) and every Unicode punctuation category.
    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        default: break
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// CJK ideograph blocks, as `tokenizers` lists them (its Extension E range starts at 0x2B920).
    private static func isChinese(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
