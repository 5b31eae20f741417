import Foundation
import Testing
@testable import GateKit

/// The issue `Timestamp.parse` throws for `text`, or nil when it parses.
private func timestampIssue(_ text: String) -> GateKit.Issue? {
    do {
        _ = try Timestamp.parse(text)
        return nil
    } catch {
        return error
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        // (text, seconds since 1970, formatted in UTC)
        ("2026-11-23T08:00:00+07:00", 1_795_395_600.0, "2026-11-23T01:00:00.000Z"),
        ("2026-11-23T01:00:00Z", 1_795_395_600, "2026-11-23T01:00:00.000Z"),
        ("2026-11-23T01:00:00z", 1_795_395_600, "2026-11-23T01:00:00.000Z"),
        ("2026-11-23t01:00:00Z", 1_795_395_600, "2026-11-23T01:00:00.000Z"),
        ("2026-11-23T01:00:00+00:00", 1_795_395_600, "2026-11-23T01:00:00.000Z"),
        ("2026-11-23T01:00:00-00:00", 1_795_395_600, "2026-11-23T01:00:00.000Z"),
        ("2026-11-22T19:30:00-05:30", 1_795_395_600, "2026-11-23T01:00:00.000Z"),
        ("2026-11-23T06:45:00+05:45", 1_795_395_600, "2026-11-23T01:00:00.000Z"),
        // Crossing midnight and the year with the offset.
        ("2027-01-01T06:59:59+07:00", 1_798_761_599, "2026-12-31T23:59:59.000Z"),
        ("2026-12-31T19:00:00-05:00", 1_767_225_600 + 365 * 86_400, "2027-01-01T00:00:00.000Z"),
        // Fractional seconds, any number of digits; formatting keeps milliseconds.
        ("2026-11-23T08:00:00.5+07:00", 1_795_395_600.5, "2026-11-23T01:00:00.500Z"),
        ("2026-11-23T08:00:00.250+07:00", 1_795_395_600.25, "2026-11-23T01:00:00.250Z"),
        ("2026-11-23T01:00:00.123Z", 1_795_395_600.123, "2026-11-23T01:00:00.123Z"),
        ("2026-11-23T01:00:00.999999Z", 1_795_395_600.999999, "2026-11-23T01:00:00.999Z"),
        // Leap days.
        ("2024-02-29T00:00:00Z", 1_709_164_800, "2024-02-29T00:00:00.000Z"),
        ("2000-02-29T12:00:00Z", 951_825_600, "2000-02-29T12:00:00.000Z"),
        // Around the epoch.
        ("1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00.000Z"),
        ("1970-01-01T07:00:00+07:00", 0, "1970-01-01T00:00:00.000Z"),
        ("1969-12-31T23:59:59Z", -1, "1969-12-31T23:59:59.000Z"),
        ("1969-12-31T23:59:59.5Z", -0.5, "1969-12-31T23:59:59.500Z"),
    ] as [(String, Double, String)])
    func parsesAndFormats(text: String, seconds: Double, formatted: String) throws {
        let date = try Timestamp.parse(text)
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
        #expect(Timestamp.format(date) == formatted)
    }

    @Test func offsetsNameTheSameInstant() throws {
        let hanoi = try Timestamp.parse("2026-11-23T08:00:00+07:00")
        let beijing = try Timestamp.parse("2026-11-23T09:00:00+08:00")
        let utc = try Timestamp.parse("2026-11-23T01:00:00Z")
        let newYork = try Timestamp.parse("2026-11-22T20:00:00-05:00")
        #expect(hanoi == beijing)
        #expect(hanoi == utc)
        #expect(hanoi == newYork)
        #expect(try Timestamp.parse("2026-11-23T08:00:00+07:00") < Timestamp.parse("2026-11-23T08:00:00+06:00"))
    }

    @Test(arguments: [
        "2026-11-23T08:00:00",
        "2026-11-23T08:00:00.500",
        "2026-02-30T08:00:00",
    ])
    func missingOffset(text: String) {
        let issue = timestampIssue(text)
        #expect(issue?.code.rawValue == "timestamp.offset-missing")
        #expect(issue?.params == ["actual": text])
        #expect(issue?.field == "")
    }

    @Test(arguments: [
        "2026-02-30T08:00:00+07:00",  // no 30 February
        "2026-02-29T08:00:00Z",  // 2026 is not a leap year
        "2100-02-29T08:00:00Z",  // nor is 2100
        "2026-04-31T08:00:00Z",  // April has 30 days
        "2026-13-01T08:00:00+07:00",  // month 13
        "2026-00-10T08:00:00Z",  // month 0
        "2026-11-00T08:00:00Z",  // day 0
        "2026-11-23T24:00:00+07:00",  // hour 24
        "2026-11-23T08:60:00Z",  // minute 60
        "2026-11-23T08:00:61Z",  // second 61
        "2026-11-23T08:00:00+24:00",  // offset hour 24
        "2026-11-23T08:00:00+07:60",  // offset minute 60
        "2026-11-23T08:00:00+0700",  // offset without colon
        "2026-11-23T08:00:00+7:00",  // one-digit offset hour
        "2026-11-23T08:00:00.+07:00",  // dot without digits
        "2026-11-23T08:00:00+07:00 ",  // trailing space
        "2026-11-23T08:00:00Zulu",  // trailing text
        "2026-11-23X08:00:00Z",  // bad separator
        "2026-11-23T08:00Z",  // no seconds
        "2026-11-23",  // date only
        "26-11-23T08:00:00Z",  // two-digit year
        "2026/11/23T08:00:00Z",
        "٢٠٢٦-11-23T08:00:00Z",  // non-ASCII digits
        "",
        "tomorrow morning",
    ])
    func invalid(text: String) {
        let issue = timestampIssue(text)
        #expect(issue?.code.rawValue == "timestamp.invalid")
        #expect(issue?.params == ["actual": text])
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.000Z"),
        (-0.5, "1969-12-31T23:59:59.500Z"),
        (-86_400, "1969-12-31T00:00:00.000Z"),
        (951_782_400, "2000-02-29T00:00:00.000Z"),
        (1_795_395_600, "2026-11-23T01:00:00.000Z"),
        (1_795_395_600.0419, "2026-11-23T01:00:00.041Z"),  // truncated, not rounded
        (1_795_395_600.9999, "2026-11-23T01:00:00.999Z"),
        (4_102_444_800, "2100-01-01T00:00:00.000Z"),
    ])
    func formatsInUTCWithMilliseconds(seconds: Double, text: String) {
        #expect(Timestamp.format(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test(arguments: [
        "2026-11-23T01:00:00.000Z",
        "2026-11-23T01:00:00.001Z",
        "2026-11-23T01:00:00.123Z",
        "2026-11-23T01:00:00.999Z",
        "2026-02-28T23:59:59.987Z",
        "2024-02-29T16:30:00.050Z",
        "2031-07-04T12:00:00.007Z",
        "2000-01-01T00:00:00.000Z",
    ])
    func roundTripsItsOwnFormat(text: String) throws {
        #expect(Timestamp.format(try Timestamp.parse(text)) == text)
    }

    /// Every millisecond of one second survives format → parse → format. Dates before
    /// 2001 are included: `Date` stores seconds since 2001, which must not cost a millisecond.
    @Test(arguments: ["2026-11-23T01:00:00", "1999-12-31T23:59:59"])
    func roundTripsEveryMillisecond(second: String) throws {
        var lost: [String] = []
        for millis in 0..<1000 {
            let text = second + "." + String(String(millis + 1000).dropFirst()) + "Z"
            let again = Timestamp.format(try Timestamp.parse(text))
            if again != text { lost.append("\(text) → \(again)") }
        }
        #expect(lost == [])
    }

    @Test func parseAcceptsWhatFormatWritesForAnyInstant() throws {
        for seconds in stride(from: 1_795_395_600.0, to: 1_795_395_600.0 + 86_400 * 400, by: 86_400 * 7 + 3_661.25) {
            let date = Date(timeIntervalSince1970: seconds)
            let back = try Timestamp.parse(Timestamp.format(date))
            #expect(abs(back.timeIntervalSince(date)) < 0.001)
        }
    }
}

@Suite struct LanguageNegotiationTests {
    @Test(arguments: [
        ("vi-VN,vi;q=0.9", Language.vi),
        ("vi-VN,vi;q=0.9,en;q=0.8", .vi),
        ("zh-CN", .zh),
        ("zh-Hans-CN,zh;q=0.9", .zh),
        ("ZH-cn", .zh),
        ("en-US", .en),
        ("fr", .en),
        ("fr-FR,fr;q=0.9", .en),
        ("*", .en),
        ("", .en),
        // The highest quality wins, wherever it is in the list.
        ("en;q=0.5,vi;q=0.8", .vi),
        ("fr-FR,fr;q=0.9,zh;q=0.8,vi;q=0.7", .zh),
        ("vi;q=0.2, zh;q=0.6, en;q=0.4", .zh),
        ("vi;q=0.5,zh", .zh),
        // On a tie, the first listed wins.
        ("en,vi", .en),
        ("vi;q=0.5,zh;q=0.5", .vi),
        // q=0 means "not acceptable"; an unparsable q counts as 0.
        ("vi;q=0,zh;q=0.1", .zh),
        ("vi;q=0", .en),
        ("vi;q=abc", .en),
        // Blank entries are skipped.
        (",,zh-TW", .zh),
    ])
    func negotiate(header: String, expected: Language) {
        #expect(Language.negotiate(header) == expected)
    }

    @Test func absentHeaderMeansEnglish() {
        #expect(Language.negotiate(nil) == .en)
    }
}
