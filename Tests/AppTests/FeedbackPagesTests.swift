import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import GeoStore
import Portal
@testable import Web
@testable import App

/// The feedback page and the statistics page, through the router over the web pages' fixture
/// (two datasets of two agencies).
@Suite struct FeedbackPagesTests {
    static func post(_ client: some TestClientProtocol, _ form: [(String, String)], language: String? = nil)
        async throws -> (HTTPResponse.Status, HTTPFields, String) {
        // Unreserved ASCII stays; every other byte (Vietnamese letters too) is percent-encoded, as browsers send forms.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .accept: "text/html"]
        if let language { headers[.acceptLanguage] = language }
        return try await client.execute(uri: "/feedback", method: .post, headers: headers, body: ByteBuffer(string: body)) { r in
            (r.status, r.headers, String(buffer: r.body))
        }
    }

    /// A citizen sends a quality problem with the form: the item is stored for the dataset's
    /// agency, the browser is sent back (post, redirect, get) to a page with its number, the
    /// agency that answers and the due day; the address typed is never shown.
    @Test func theFormSendsAnItemAndTheReceiptSaysWhoAnswersByWhen() async throws {
        let f = try WebFixture()
        let store = f.store
        try await Application(router: f.router).test(.router) { client in
            let (_, _, form) = try await WebFixture.page(client, "/feedback?dataset=xa-hue&category=quality")
            for text in ["<form class=\"feedback\" action=\"/feedback\" method=\"post\">", "<label for=\"message\">Nội dung</label>",
                         "value=\"xa-hue\" selected", "id=\"cat-quality\" name=\"category\" value=\"quality\" checked",
                         "Đã nhận 0 góp ý", "Chưa có câu trả lời nào được công bố."] {
                #expect(form.contains(text), "the form lacks \(text)")
            }
            let (status, headers, _) = try await Self.post(client, [("lang", "vi"), ("category", "quality"), ("dataset", "xa-hue"),
                                                                  ("message", "Ranh giới phường Thuận Hòa bị lệch"),
                                                                  ("email", "dan@example.vn"), ("website", "")])
            #expect(status == .seeOther)
            let location = try #require(headers[.location])
            #expect(location.hasPrefix("/feedback?lang=vi&sent="))
            let (_, _, receipt) = try await WebFixture.page(client, location)
            let due = PortalCalendar.dayString(FeedbackDeadline.dueBefore(receivedAt: Date()).addingTimeInterval(-1))
            let dueVN = due.split(separator: "-").reversed().joined(separator: "/")
            #expect(receipt.contains("role=\"status\""))
            #expect(receipt.contains("Sở Tài nguyên và Môi trường sẽ trả lời chậm nhất ngày \(dueVN)"), "\(receipt)")
            #expect(receipt.contains("Đã nhận 1 góp ý") && !receipt.contains("dan@example.vn"))
            // The agency's queue holds it, with the address, for the agency only.
            let queue = try PortalService(store: store).feedbackQueue(by: PortalService.commandLine)
            #expect(queue.map(\.message) == ["Ranh giới phường Thuận Hòa bị lệch"] && queue.first?.contactEmail == "dan@example.vn")
            #expect(queue.first?.dataset == "xa-hue")
            // A request for new data needs no dataset and goes to the Department.
            let (s2, h2, _) = try await Self.post(client, [("lang", "en"), ("category", "request-data"), ("dataset", ""),
                                                         ("message", "Please publish the school locations")])
            #expect(s2 == .seeOther)
            let (_, _, en) = try await WebFixture.page(client, try #require(h2[.location]))
            #expect(en.contains("The Department of Information and Communications will answer by"))
        }
    }

    /// What the form refuses comes back as the form, with the reason in the page's language
    /// and what was typed kept; nothing is stored.
    @Test func aRefusedItemComesBackWithTheReasonAndWhatWasTyped() async throws {
        let f = try WebFixture()
        let store = f.store
        try await Application(router: f.router).test(.router) { client in
            // A problem report must name its dataset.
            let (s1, _, p1) = try await Self.post(client, [("lang", "vi"), ("category", "quality"), ("dataset", ""),
                                                         ("message", "Thiếu xã Hương Phong"), ("email", "a@b.vn")])
            #expect(s1 == .badRequest)
            #expect(p1.contains("role=\"alert\"") && p1.contains(">Thiếu xã Hương Phong</textarea>") && p1.contains("value=\"a@b.vn\""))
            #expect(p1.contains("<html lang=\"vi\">"))
            // An empty message, in English.
            let (s2, _, p2) = try await Self.post(client, [("lang", "en"), ("category", "request-data"), ("message", "   ")])
            #expect(s2 == .badRequest && p2.contains("role=\"alert\"") && p2.contains("<html lang=\"en\">"))
            // A broken e-mail address.
            let (s3, _, p3) = try await Self.post(client, [("lang", "vi"), ("category", "request-data"), ("message", "x"), ("email", "không phải thư")])
            #expect(s3 == .badRequest && p3.contains("role=\"alert\""))
            // The field people never see, filled by a robot.
            let (s4, _, p4) = try await Self.post(client, [("lang", "vi"), ("category", "request-data"), ("message", "mua thuốc"),
                                                         ("website", "http://spam.example")])
            #expect(s4 == .badRequest && p4.contains("chương trình tự động"))
            // An unknown dataset is named, not stored.
            let (s5, _, _) = try await Self.post(client, [("lang", "vi"), ("category", "quality"), ("dataset", "khong-co"), ("message", "x")])
            #expect(s5 == .notFound)
            #expect(try PortalService(store: store).feedbackSummary().received == 0)
        }
    }

    /// One client sends five items an hour; the sixth gets the form back with 429, the reason and
    /// when to try again.
    @Test func sendingIsLimitedPerClient() async throws {
        let f = try WebFixture()
        let store = f.store
        try await Application(router: f.router).test(.router) { client in
            for i in 0..<5 {
                let (s, _, _) = try await Self.post(client, [("category", "request-data"), ("message", "đề nghị \(i)")])
                #expect(s == .seeOther)
            }
            let (status, headers, page) = try await Self.post(client, [("lang", "vi"), ("category", "request-data"), ("message", "thêm")])
            #expect(status == .tooManyRequests)
            #expect(headers[.retryAfter].flatMap { Int($0) }.map { $0 > 0 } == true)
            #expect(page.contains("role=\"alert\"") && page.contains(">thêm</textarea>"))
            #expect(try PortalService(store: store).feedbackSummary().received == 5)
        }
    }

    /// Once the agency answers, the answer is public on the feedback page and on the dataset's
    /// page, with the days it was received, due and answered, and whether it was late.
    @Test func answersArePublicWithTheirDatesAndLateness() async throws {
        let f = try WebFixture()
        let store = f.store
        let day: TimeInterval = 86_400
        // One item received 20 days ago (answered now: late), one today (answered at once: on time).
        let earlier = PortalService(store: f.store, now: { Date().addingTimeInterval(-20 * day) })
        let late = try earlier.submitFeedback(.init(datasetSlug: "xa-hue", category: .quality, message: "Sai tên xã Phú Mậu",
                                                    contactEmail: "bi-mat@example.vn"), client: "a")
        let portal = PortalService(store: store)
        let onTime = try portal.submitFeedback(.init(datasetSlug: "xa-hue", category: .format, message: "Xin thêm định dạng KML",
                                                     contactEmail: nil), client: "b")
        _ = try portal.submitFeedback(.init(datasetSlug: "diem-xa", category: .quality, message: "Chưa trả lời", contactEmail: nil), client: "c")
        // An editor of the agency that publishes the communes answers.
        let agency = try #require(try portal.agencies().first { $0.name == "Sở Tài nguyên và Môi trường" })
        let editor = Actor(userID: 0, username: "bien-tap", role: .editor, agencyID: agency.id)
        _ = try portal.answerFeedback(id: late.id, answer: "Đã sửa tên xã trong phiên bản 2", by: editor)
        _ = try portal.answerFeedback(id: onTime.id, answer: "Đã có KML ở mục tải về", by: editor)
        try await Application(router: f.router).test(.router) { client in
            let (_, _, list) = try await WebFixture.page(client, "/feedback?lang=vi")
            for text in ["Sai tên xã Phú Mậu", "Đã sửa tên xã trong phiên bản 2", "Xin thêm định dạng KML", "Trễ hạn", "Đúng hạn",
                         "Đã nhận 3 góp ý: 2 đã được trả lời (1 trả lời trễ hạn), 1 đang chờ trả lời (0 đã quá hạn).",
                         "href=\"/datasets/xa-hue?lang=vi\"", "Hạn trả lời"] {
                #expect(list.contains(text), "the feedback page lacks \(text)")
            }
            #expect(!list.contains("Chưa trả lời") && !list.contains("bi-mat@example.vn"))
            let received = PortalService.dayForPage(Date().addingTimeInterval(-20 * day))
            #expect(list.contains(received), "received day \(received) not shown")
            let (_, _, page) = try await WebFixture.page(client, "/datasets/xa-hue?lang=en")
            for text in ["Feedback on this dataset", "Sai tên xã Phú Mậu", "Late", "On time",
                         "href=\"/feedback?dataset=xa-hue&amp;category=quality&amp;lang=en#form\""] {
                #expect(page.contains(text), "the dataset page lacks \(text)")
            }
            let (_, _, other) = try await WebFixture.page(client, "/datasets/diem-xa?lang=vi")
            #expect(other.contains("Chưa có góp ý nào về bộ dữ liệu này được trả lời.") && !other.contains("Sai tên xã"))
        }
    }

    /// `/stats`: what is published and the downloads of each dataset by month, with totals.
    @Test func statisticsShowDownloadsByMonthAndWhatIsPublished() async throws {
        let f = try WebFixture()
        let store = f.store
        let now = Date()
        // Months as the counters keep them (UTC days): on the last evening of a month (UTC) it
        // is already the next month in Vietnam, and the page must still end where the counts are.
        let thisMonth = Store.counterMonth(now)
        for _ in 0..<3 { try store.recordDownload(dataset: "xa-hue", version: 1, format: "geojson", at: now) }
        try store.recordDownload(dataset: "diem-xa", version: 1, format: "csv", at: now)
        // Forty days back: another month.
        try store.recordDownload(dataset: "xa-hue", version: 1, format: "kml", at: now.addingTimeInterval(-40 * 86_400))
        let previousMonth = Store.counterMonth(now.addingTimeInterval(-40 * 86_400))
        #expect(try store.monthlyDownloads() == ["xa-hue": [thisMonth: 3, previousMonth: 1], "diem-xa": [thisMonth: 1]])
        try await Application(router: f.router).test(.router) { client in
            let (status, _, vi) = try await WebFixture.page(client, "/stats")
            #expect(status == .ok)
            let (y, m) = (thisMonth.prefix(4), thisMonth.suffix(2))
            for text in ["Thống kê khai thác dữ liệu", "<th scope=\"col\">\(m)/\(y)</th>", "Xã, phường Huế", "Điểm trung tâm xã",
                         "<td><strong>4</strong></td>", "<td><strong>1</strong></td>", "Cộng theo tháng", "aria-current=\"page\">Thống kê"] {
                #expect(vi.contains(text), "the statistics page lacks \(text)")
            }
            // The Huế row: nothing for ten months, 1 the month before (when it falls in the window), 3 this month, 4 in all.
            let row = try #require(vi.firstRange(of: "Xã, phường Huế</a></th>").map { String(vi[$0.upperBound...]).components(separatedBy: "</tr>")[0] })
            let cells = row.matches(of: /<td>(\d+)<\/td>/).map { Int($0.1)! }
            #expect(cells.count == 12 && cells.last == 3 && cells.reduce(0, +) == 4, "\(row)")
            // The month's total is the sum of its column.
            let foot = try #require(vi.firstRange(of: "Cộng theo tháng</th>").map { String(vi[$0.upperBound...]).components(separatedBy: "</tr>")[0] })
            #expect(foot.matches(of: /<td>(\d+)<\/td>/).map { Int($0.1)! }.last == 4)
            let (_, _, en) = try await WebFixture.page(client, "/stats?lang=en")
            #expect(en.contains("Data sharing statistics") && en.contains("<th scope=\"col\">\(y)-\(m)</th>"))
        }
    }
}

extension PortalService {
    /// A day as the Vietnamese pages write it.
    static func dayForPage(_ date: Date) -> String {
        PortalCalendar.dayString(date).split(separator: "-").reversed().joined(separator: "/")
    }
}
