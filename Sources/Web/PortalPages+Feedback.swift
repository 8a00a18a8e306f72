// The feedback page (`/feedback`: the form, how feedback is being handled, the public answers),
// the feedback part of a dataset page, and the statistics page (`/stats`).
public import Portal
import Catalogue
public import PublicErrors
public import Foundation

/// What the feedback form holds: what the person typed (kept when the form comes back with an
/// error) and, after sending, the receipt.
public struct FeedbackForm: Sendable {
    public var dataset: String?
    public var category: FeedbackCategory?
    public var message: String
    public var email: String
    /// What was wrong with the last sending, in the page's language.
    public var error: String?
    public var receipt: FeedbackReceipt?

    public init(dataset: String? = nil, category: FeedbackCategory? = nil, message: String = "", email: String = "",
                error: String? = nil, receipt: FeedbackReceipt? = nil) {
        self.dataset = dataset; self.category = category; self.message = message; self.email = email
        self.error = error; self.receipt = receipt
    }
}

/// What the statistics page is drawn from: the catalogue, the download counters by month and
/// the feedback counts.
public struct UsageFigures: Sendable {
    /// slug → month (`yyyy-MM`) → downloads.
    public var monthly: [String: [String: Int]]
    public var feedback: FeedbackSummary
    /// The last month shown (`yyyy-MM`), normally the current one.
    public var through: String
    public init(monthly: [String: [String: Int]], feedback: FeedbackSummary, through: String) {
        self.monthly = monthly; self.feedback = feedback; self.through = through
    }
}

extension PortalPages {
    /// `/feedback`: the form (no account), how feedback is handled, the public answers.
    public func feedback(_ listings: [PortalListing], answers: [PublicFeedback], summary: FeedbackSummary, form: FeedbackForm,
                         language: Language) -> String {
        let l = language
        var c = layout(l, title: texts.text("fb_title", l), current: "feedback", switchURL: switchURL("/feedback", form, l))
        let titles = Dictionary(listings.map { ($0.dataset.slug, $0.title(l)) }, uniquingKeysWith: { a, _ in a })
        c["categories"] = FeedbackCategory.allCases.map { cat -> [String: Any] in
            ["value": cat.rawValue, "label": texts.text("fb_cat_" + cat.rawValue.replacingOccurrences(of: "-", with: "_"), l),
             "selected": cat == (form.category ?? .requestData)]
        }
        c["datasets"] = listings.sorted { CatalogueSearch.fold($0.title(l)) < CatalogueSearch.fold($1.title(l)) }.map { x -> [String: Any] in
            ["slug": x.dataset.slug, "title": x.title(l), "selected": x.dataset.slug == form.dataset]
        }
        c["message"] = form.message
        c["email"] = form.email
        c["max_length"] = FeedbackSubmission.maxMessageLength
        if let error = form.error { c["error"] = error }
        if let r = form.receipt {
            c["receipt"] = texts.text(r.agency == nil ? "fb_receipt_department" : "fb_receipt", l,
                                      ["id": String(r.id), "agency": r.agency ?? "", "due": day(r.dueDay, l)])
        }
        c["summary"] = summaryLines(summary, l)
        c["answers"] = answers.sorted { $0.id > $1.id }.map { answerRow($0, titles[$0.dataset ?? ""], l) }
        c["no_answers"] = answers.isEmpty
        return render("feedback", c)
    }

    /// The published answers about one dataset, for its page.
    func feedbackSection(_ answers: [PublicFeedback], slug: String, _ l: Language) -> [String: Any] {
        ["items": answers.sorted { $0.id > $1.id }.map { answerRow($0, nil, l) }, "none": answers.isEmpty,
         "form_url": "/feedback?dataset=\(slug)&category=quality&lang=\(l.rawValue)#form"]
    }

    /// `/stats`: what is published, how much each dataset is downloaded month by month (the last
    /// twelve months), and how feedback is answered.
    public func stats(_ listings: [PortalListing], usage: UsageFigures, language: Language) -> String {
        let l = language
        var c = layout(l, title: texts.text("st_title", l), current: "stats", switchURL: "/stats?lang=\(l.other.rawValue)")
        let months = Self.months(endingAt: usage.through, count: 12)
        c["datasets_count"] = listings.count
        c["features_count"] = listings.reduce(0) { $0 + $1.dataset.current.featureCount }
        c["versions_count"] = listings.reduce(0) { $0 + $1.dataset.versions.count }
        c["agencies_count"] = Set(listings.compactMap(\.dataset.agency?.slug)).count
        c["downloads_count"] = listings.reduce(0) { $0 + $1.downloads }
        c["months"] = months.map { ["label": monthLabel($0, l)] }
        var totals = Array(repeating: 0, count: months.count)
        c["rows"] = listings.sorted { ($0.downloads, CatalogueSearch.fold($1.title(l))) > ($1.downloads, CatalogueSearch.fold($0.title(l))) }
            .map { x -> [String: Any] in
                let byMonth = usage.monthly[x.dataset.slug] ?? [:]
                let cells = months.enumerated().map { i, m -> Int in
                    let n = byMonth[m] ?? 0
                    totals[i] += n
                    return n
                }
                return ["title": x.title(l), "url": "/datasets/\(x.dataset.slug)?lang=\(l.rawValue)",
                        "cells": cells, "total": x.downloads]
            }
        let peak = max(totals.max() ?? 0, 1)
        c["totals"] = totals
        // A bar per month, as wide as its share of the busiest month (a chart without script).
        c["bars"] = zip(months, totals).map { m, n -> [String: Any] in
            ["label": monthLabel(m, l), "count": n, "percent": n * 100 / peak]
        }
        c["summary"] = summaryLines(usage.feedback, l)
        return render("stats", c)
    }

    // MARK: parts

    private func answerRow(_ a: PublicFeedback, _ datasetTitle: String?, _ l: Language) -> [String: Any] {
        var row: [String: Any] = [
            "category": texts.text("fb_cat_" + a.category.rawValue.replacingOccurrences(of: "-", with: "_"), l),
            "message": a.message, "answer": a.answer ?? "",
            "received": timestampDay(a.receivedAt, l), "due": day(a.dueDay, l),
            "answered": a.answeredAt.map { timestampDay($0, l) } ?? "",
            "late": a.late,
        ]
        if let slug = a.dataset, let datasetTitle {
            row["dataset"] = ["title": datasetTitle, "url": "/datasets/\(slug)?lang=\(l.rawValue)"]
        }
        return row
    }

    private func summaryLines(_ s: FeedbackSummary, _ l: Language) -> String {
        texts.text("fb_summary", l, ["received": String(s.received), "answered": String(s.answered),
                                     "late": String(s.answeredLate), "waiting": String(s.waiting), "overdue": String(s.overdue)])
    }

    private func switchURL(_ path: String, _ form: FeedbackForm, _ l: Language) -> String {
        var url = "\(path)?lang=\(l.other.rawValue)"
        if let d = form.dataset, form.receipt == nil { url += "&dataset=\(d)" }
        return url
    }

    /// `yyyy-MM-dd` (a civil day in Vietnam) as people of `l` write it.
    private func day(_ s: String, _ l: Language) -> String {
        let parts = s.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return s }
        return texts.date(PortalCalendar.startOfDay(year: parts[0], month: parts[1], day: parts[2]), l) ?? s
    }

    /// An ISO 8601 instant, shown as its day in Vietnam.
    private func timestampDay(_ s: String, _ l: Language) -> String {
        ISO8601DateFormatter().date(from: s).flatMap { texts.date($0, l) } ?? s
    }

    private func monthLabel(_ month: String, _ l: Language) -> String {
        let p = month.split(separator: "-")
        guard p.count == 2 else { return month }
        return texts.text("fmt_month", l, ["year": String(p[0]), "month": String(p[1])])
    }

    /// `count` months (`yyyy-MM`) ending with `last`, oldest first.
    static func months(endingAt last: String, count: Int) -> [String] {
        let p = last.split(separator: "-").compactMap { Int($0) }
        guard p.count == 2 else { return [last] }
        var (year, month) = (p[0], p[1])
        var out: [String] = []
        for _ in 0..<count {
            out.append(String(format: "%04d-%02d", year, month))
            month -= 1
            if month == 0 { month = 12; year -= 1 }
        }
        return out.reversed()
    }
}
