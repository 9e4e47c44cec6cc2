import Foundation

/// Minimal inline-SVG line and scatter charts for the self-contained `report.html`.
///
/// No Swift charting package is available offline and the report must open anywhere without
/// scripts or network, so charts are drawn as plain SVG paths with labelled axes.
struct SVGChart {
    struct Series {
        var label: String
        var points: [(x: Double, y: Double)]
        var color: String
        var dashed: Bool = false
        var markers: Bool = false
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var width: Double = 420
    var height: Double = 300
    var xRange: ClosedRange<Double>? = nil
    var yRange: ClosedRange<Double>? = nil
    var logX: Bool = false
    /// Log-scaled y axis (hls4ml plots ROC background efficiency this way).
    var logY: Bool = false

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    func render() -> String {
        let left = 58.0, right = 12.0, top = 28.0, bottom = 44.0
        let plotW = width - left - right, plotH = height - top - bottom
        let allPoints = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) && (!logY || $0.y > 0) }
        func tx(_ x: Double) -> Double { logX ? log10(x) : x }
        func ty(_ y: Double) -> Double { logY ? log10(y) : y }
        var xr = xRange ?? ((allPoints.map { tx($0.x) }.min() ?? 0)...(allPoints.map { tx($0.x) }.max() ?? 1))
        var yr = yRange.map { ty($0.lowerBound)...ty($0.upperBound) } ?? ((allPoints.map { ty($0.y) }.min() ?? 0)...(allPoints.map { ty($0.y) }.max() ?? 1))
        if xr.lowerBound == xr.upperBound { xr = (xr.lowerBound - 1)...(xr.upperBound + 1) }
        if yr.lowerBound == yr.upperBound { yr = (yr.lowerBound - 1)...(yr.upperBound + 1) }
        func px(_ x: Double) -> Double { left + (tx(x) - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (min(max(ty(y), yr.lowerBound), yr.upperBound) - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * plotH }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" class=\"chart\" role=\"img\">"
        svg += "<text x=\"\(width / 2)\" y=\"16\" text-anchor=\"middle\" class=\"title\">\(escape(title))</text>"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"#999\"/>"
        for tick in 0...4 {
            let fx = Double(tick) / 4
            let xv = xr.lowerBound + fx * (xr.upperBound - xr.lowerBound)
            let yv = yr.lowerBound + fx * (yr.upperBound - yr.lowerBound)
            let gx = left + fx * plotW, gy = top + plotH - fx * plotH
            svg += "<line x1=\"\(gx)\" y1=\"\(top)\" x2=\"\(gx)\" y2=\"\(top + plotH)\" stroke=\"#eee\"/>"
            svg += "<line x1=\"\(left)\" y1=\"\(gy)\" x2=\"\(left + plotW)\" y2=\"\(gy)\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(gx)\" y=\"\(top + plotH + 14)\" text-anchor=\"middle\" class=\"tick\">\(format(logX ? pow(10, xv) : xv, span: logX ? 0 : xr.upperBound - xr.lowerBound))</text>"
            svg += "<text x=\"\(left - 4)\" y=\"\(gy + 3)\" text-anchor=\"end\" class=\"tick\">\(format(logY ? pow(10, yv) : yv, span: logY ? 0 : yr.upperBound - yr.lowerBound))</text>"
        }
        svg += "<text x=\"\(left + plotW / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\" class=\"axis\">\(escape(xLabel))</text>"
        svg += "<text x=\"12\" y=\"\(top + plotH / 2)\" text-anchor=\"middle\" class=\"axis\" transform=\"rotate(-90 12 \(top + plotH / 2))\">\(escape(yLabel))</text>"
        for (index, item) in series.enumerated() {
            let points = item.points.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) && (!logY || $0.y > 0) }
            if points.count > 1 && !item.markers {
                let path = points.map { String(format: "%.1f,%.1f", px($0.x), py($0.y)) }.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(item.color)\" stroke-width=\"1.6\"\(item.dashed ? " stroke-dasharray=\"5,3\"" : "") points=\"\(path)\"/>"
            } else {
                for point in points {
                    svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%@\"/>", px(point.x), py(point.y), item.color)
                }
            }
            let legendY = top + 12 + Double(index) * 13
            svg += "<line x1=\"\(left + plotW - 120)\" y1=\"\(legendY - 4)\" x2=\"\(left + plotW - 104)\" y2=\"\(legendY - 4)\" stroke=\"\(item.color)\" stroke-width=\"2\"\(item.dashed ? " stroke-dasharray=\"4,2\"" : "")/>"
            svg += "<text x=\"\(left + plotW - 100)\" y=\"\(legendY)\" class=\"legend\">\(escape(item.label))</text>"
        }
        return svg + "</svg>"
    }

    /// Tick labels with enough decimals to tell ticks apart (`span` = axis range; 0 for log axes).
    private func format(_ value: Double, span: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1000 || magnitude < 0.01 { return String(format: "%.1e", value) }
        if span > 0 {
            let decimals = Swift.min(6, Swift.max(0, Int((-log10(span / 4)).rounded(.up))))
            return String(format: "%.\(decimals)f", value)
        }
        if magnitude >= 10 { return String(format: "%.0f", value) }
        return String(format: "%.2f", value)
    }
}

func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
