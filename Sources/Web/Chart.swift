// Charts drawn on the server as SVG (no chart service, no script): horizontal bars, each made
// of coloured segments (a compliance standing, a count), laid out here in numbers and drawn by
// `chart.mustache`, which escapes every text. The SVG is an image to assistive technology
// (`role="img"` with a label); the numbers are in the table the page puts beside each chart.
import Foundation

/// One bar: its label and its segments, left to right.
public struct ChartBar: Sendable, Equatable {
    public struct Segment: Sendable, Equatable {
        public var value: Double
        /// A CSS class of `portal.css` (`seg-on-time`, `seg-late`…), which gives the colour.
        public var style: String
        /// Said when the pointer rests on the segment (`<title>`): what it counts and how many.
        public var tip: String
        public init(value: Double, style: String, tip: String) { self.value = value; self.style = style; self.tip = tip }
    }
    public var label: String
    public var segments: [Segment]
    /// Written at the end of the bar (the total, a percentage).
    public var valueText: String
    public init(label: String, segments: [Segment], valueText: String) {
        self.label = label; self.segments = segments; self.valueText = valueText
    }
}

/// A bar chart: its accessible name, its bars and the largest value the axis shows.
public struct BarChart: Sendable, Equatable {
    public var label: String
    public var bars: [ChartBar]
    /// The value a full-width bar stands for; nil: the largest bar's total.
    public var scaleMax: Double?

    public init(label: String, bars: [ChartBar], scaleMax: Double? = nil) {
        self.label = label; self.bars = bars; self.scaleMax = scaleMax
    }

    // The drawing's units (the SVG scales to its box's width).
    static let width = 480.0, rowHeight = 40.0, barHeight = 16.0, labelHeight = 15.0, valueSpace = 56.0
    /// Labels longer than this are cut with "…" (the full label is in the table beside).
    static let labelLimit = 64

    /// The values `chart.mustache` draws.
    func context() -> [String: Any] {
        let largest = scaleMax ?? bars.map { $0.segments.reduce(0) { $0 + max(0, $1.value) } }.max() ?? 0
        let scale = largest > 0 ? (Self.width - Self.valueSpace) / largest : 0
        let rows: [[String: Any]] = bars.enumerated().map { i, bar in
            let top = Double(i) * Self.rowHeight
            var x = 0.0
            let segments: [[String: Any]] = bar.segments.filter { $0.value > 0 }.map { s in
                let w = s.value * scale
                defer { x += w }
                return ["x": Self.number(x), "y": Self.number(top + Self.labelHeight + 4), "w": Self.number(max(w, 1)),
                        "h": Self.number(Self.barHeight), "style": s.style, "tip": s.tip]
            }
            let label = bar.label.count > Self.labelLimit ? String(bar.label.prefix(Self.labelLimit - 1)) + "…" : bar.label
            return ["label": label, "text_y": Self.number(top + Self.labelHeight - 2), "segments": segments,
                    "value_text": bar.valueText, "value_x": Self.number(x + 6),
                    "value_y": Self.number(top + Self.labelHeight + 4 + Self.barHeight - 3)]
        }
        return ["label": label, "rows": rows, "width": Self.number(Self.width),
                "height": Self.number(max(Self.rowHeight, Double(bars.count) * Self.rowHeight))]
    }

    static func number(_ v: Double) -> String {
        v.rounded() == v ? String(Int(v)) : String(format: "%.1f", v)
    }
}
