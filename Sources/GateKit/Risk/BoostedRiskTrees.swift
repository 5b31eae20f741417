import Foundation

/// Gradient-boosted decision trees for the discrepancy probability, pure Swift.
///
/// Why trees beside the logistic model: the patterns that matter in customs fraud are
/// conjunctions ("a new declarant *and* electronics") that a linear score cannot see
/// without someone guessing the cross feature first. Trees find them from the outcomes.
///
/// Training is histogram-based like LightGBM and scikit-learn's
/// HistGradientBoostingClassifier: each feature is cut into at most `maxBins` quantile
/// bins once, and each split is chosen from per-bin sums of the logistic loss's gradient
/// and Hessian (the larger child's histogram is the parent's minus the smaller child's).
/// The explanation is exact: along the path a trip takes through each tree, every split
/// moves the node value, and that move is credited to the split's feature, so the
/// contributions plus the bias add up to the logit (Saabas' method).
public struct BoostedRiskTrees: Codable, Sendable, Equatable {
    /// One node; a leaf has `feature == -1`. Rows with `x[feature] <= threshold` go left.
    public struct Node: Codable, Sendable, Equatable {
        public var feature: Int
        public var threshold: Double
        public var left: Int
        public var right: Int
        /// The node's Newton step, already multiplied by the learning rate: the whole
        /// prediction at a leaf, the reference for the explanation at an inner node.
        public var value: Double

        private enum CodingKeys: String, CodingKey {
            case feature = "f", threshold = "t", left = "l", right = "r", value = "v"
        }
    }

    /// Training settings; the defaults are what `smartgate risk train` uses.
    public struct Settings: Sendable, Equatable, Codable {
        public var rounds = 200
        public var maxDepth = 4
        public var learningRate = 0.1
        public var minRowsPerLeaf = 20
        public var l2 = 1.0
        public var maxBins = 64
        public init() {}
    }

    /// Log-odds of the training base rate: where every trip starts.
    public var baseLogit: Double
    public var trees: [[Node]]
    public var width: Int
    public var settings: Settings

    /// Fits `settings.rounds` trees to the labels by Newton boosting of the logistic loss.
    public static func train(rows: [[Double]], labels: [Bool], settings: Settings = Settings()) throws(RiskModelError) -> BoostedRiskTrees {
        guard let width = rows.first?.count, width > 0 else { throw RiskModelError("no training rows") }
        guard rows.count == labels.count else { throw RiskModelError("\(rows.count) rows but \(labels.count) labels") }
        if let bad = rows.firstIndex(where: { $0.count != width }) { throw RiskModelError("row \(bad) has \(rows[bad].count) values, not \(width)") }
        if let bad = rows.firstIndex(where: { $0.contains { !$0.isFinite } }) { throw RiskModelError("row \(bad) has a value that is not a finite number") }
        let positives = labels.filter { $0 }.count
        guard positives > 0, positives < labels.count else { throw RiskModelError("training needs both outcomes (found \(positives) of \(labels.count))") }
        guard (2...255).contains(settings.maxBins), settings.maxDepth >= 1, settings.rounds >= 1, settings.learningRate > 0 else {
            throw RiskModelError("settings out of range: bins 2–255, depth ≥ 1, rounds ≥ 1, learning rate > 0")
        }

        let n = rows.count
        let cuts = (0..<width).map { feature in binEdges(rows.map { $0[feature] }, maxBins: settings.maxBins) }
        // Row-major bin indices: one byte per value keeps the working set in cache.
        var bins = [UInt8](repeating: 0, count: n * width)
        for i in 0..<n {
            for j in 0..<width { bins[i * width + j] = UInt8(binIndex(rows[i][j], cuts[j])) }
        }
        let rate = Double(positives) / Double(n)
        let base = log(rate / (1 - rate))
        var logits = [Double](repeating: base, count: n)
        var gradients = [Double](repeating: 0, count: n)
        var hessians = [Double](repeating: 0, count: n)
        var trees: [[Node]] = []
        let grower = TreeGrower(width: width, cuts: cuts, settings: settings)
        for _ in 0..<settings.rounds {
            for i in 0..<n {
                let p = 1 / (1 + exp(-logits[i]))
                gradients[i] = p - (labels[i] ? 1 : 0)
                hessians[i] = max(p * (1 - p), 1e-16)
            }
            let tree = grower.grow(bins: bins, gradients: gradients, hessians: hessians, rows: Array(0..<n))
            // A cut point is a bin's upper edge, so walking the raw values is walking the bins.
            for i in 0..<n { logits[i] += leaf(tree, rows[i]) }
            trees.append(tree)
        }
        return BoostedRiskTrees(baseLogit: base, trees: trees, width: width, settings: settings)
    }

    /// The log-odds of a discrepancy for one feature row.
    public func logit(_ row: [Double]) -> Double {
        trees.reduce(baseLogit) { $0 + Self.leaf($1, row) }
    }

    /// The bias (base rate plus every tree's root value) and each feature's contribution;
    /// `bias + contributions.sum == logit(row)`.
    public func explain(_ row: [Double]) -> (bias: Double, contributions: [Double]) {
        var bias = baseLogit
        var contributions = [Double](repeating: 0, count: width)
        for tree in trees {
            var index = 0
            bias += tree[0].value
            while tree[index].feature >= 0 {
                let node = tree[index]
                let next = row[node.feature] <= node.threshold ? node.left : node.right
                contributions[node.feature] += tree[next].value - node.value
                index = next
            }
        }
        return (bias, contributions)
    }

    /// Checks a decoded model: every child index inside its tree, every split on a
    /// feature the rows have, every number finite.
    public func validate() throws(RiskModelError) {
        guard width > 0, baseLogit.isFinite, !trees.isEmpty else { throw RiskModelError("boosted trees: empty or without a base rate") }
        for (t, tree) in trees.enumerated() {
            guard !tree.isEmpty else { throw RiskModelError("tree \(t) has no nodes") }
            for (i, node) in tree.enumerated() {
                guard node.value.isFinite else { throw RiskModelError("tree \(t) node \(i): value is not finite") }
                if node.feature >= 0 {
                    // Children come after their parent, so a walk always ends at a leaf.
                    guard node.feature < width, node.threshold.isFinite, node.left > i, node.right > i,
                          node.left < tree.count, node.right < tree.count
                    else { throw RiskModelError("tree \(t) node \(i): a split points outside the tree or the features") }
                } else if node.feature != -1 {
                    throw RiskModelError("tree \(t) node \(i): feature \(node.feature) is neither a split nor a leaf")
                }
            }
        }
    }

    // MARK: - Training internals

    /// Up to `maxBins − 1` cut points: midpoints between distinct values when few,
    /// else quantiles.
    static func binEdges(_ values: [Double], maxBins: Int) -> [Double] {
        let sorted = values.sorted()
        var distinct: [Double] = []
        for value in sorted where distinct.last != value { distinct.append(value) }
        if distinct.count <= maxBins {
            return zip(distinct, distinct.dropFirst()).map { ($0 + $1) / 2 }
        }
        var edges: [Double] = []
        for k in 1..<maxBins {
            let position = Int(Double(k) / Double(maxBins) * Double(sorted.count))
            let a = sorted[max(position - 1, 0)]
            let b = sorted[min(position, sorted.count - 1)]
            let edge = (a + b) / 2
            if edges.last.map({ edge > $0 }) ?? true, edge < sorted.last! { edges.append(edge) }
        }
        return edges
    }

    /// The bin of a value: how many cut points lie below it.
    static func binIndex(_ value: Double, _ edges: [Double]) -> Int {
        var low = 0
        var high = edges.count
        while low < high {
            let mid = (low + high) / 2
            if value <= edges[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }

    private static func leaf(_ tree: [Node], _ row: [Double]) -> Double {
        var index = 0
        while tree[index].feature >= 0 {
            let node = tree[index]
            index = row[node.feature] <= node.threshold ? node.left : node.right
        }
        return tree[index].value
    }
}

/// Grows one tree depth-first from gradient and Hessian histograms.
private struct TreeGrower {
    let width: Int
    let cuts: [[Double]]
    let settings: BoostedRiskTrees.Settings

    /// Per feature, per bin: sum of gradients, sum of Hessians, row count.
    struct Histogram {
        var g: [Double]
        var h: [Double]
        var c: [Int]
    }

    func histogram(bins: [UInt8], gradients: [Double], hessians: [Double], rows: [Int]) -> Histogram {
        let stride = settings.maxBins
        var hist = Histogram(
            g: [Double](repeating: 0, count: width * stride), h: [Double](repeating: 0, count: width * stride),
            c: [Int](repeating: 0, count: width * stride))
        hist.g.withUnsafeMutableBufferPointer { g in
            hist.h.withUnsafeMutableBufferPointer { h in
                hist.c.withUnsafeMutableBufferPointer { c in
                    bins.withUnsafeBufferPointer { b in
                        for row in rows {
                            let gradient = gradients[row]
                            let hessian = hessians[row]
                            let base = row * width
                            for j in 0..<width {
                                let slot = j * stride + Int(b[base + j])
                                g[slot] += gradient
                                h[slot] += hessian
                                c[slot] += 1
                            }
                        }
                    }
                }
            }
        }
        return hist
    }

    func grow(bins: [UInt8], gradients: [Double], hessians: [Double], rows: [Int]) -> [BoostedRiskTrees.Node] {
        var nodes: [BoostedRiskTrees.Node] = []
        let root = histogram(bins: bins, gradients: gradients, hessians: hessians, rows: rows)
        split(rows: rows, histogram: root, depth: 0, bins: bins, gradients: gradients, hessians: hessians, into: &nodes)
        return nodes
    }

    @discardableResult
    private func split(
        rows: [Int], histogram hist: Histogram, depth: Int, bins: [UInt8], gradients: [Double], hessians: [Double],
        into nodes: inout [BoostedRiskTrees.Node]
    ) -> Int {
        let stride = settings.maxBins
        var totalG = 0.0
        var totalH = 0.0
        for b in 0..<stride {
            totalG += hist.g[b]
            totalH += hist.h[b]
        }
        let lambda = settings.l2
        let value = -totalG / (totalH + lambda) * settings.learningRate
        let index = nodes.count
        nodes.append(.init(feature: -1, threshold: 0, left: 0, right: 0, value: value))
        guard depth < settings.maxDepth, rows.count >= 2 * settings.minRowsPerLeaf else { return index }

        let parentScore = totalG * totalG / (totalH + lambda)
        var best: (gain: Double, feature: Int, bin: Int) = (1e-9, -1, -1)
        for j in 0..<width {
            let edges = cuts[j].count
            guard edges > 0 else { continue }
            var leftG = 0.0
            var leftH = 0.0
            var leftCount = 0
            for b in 0..<edges {
                let slot = j * stride + b
                leftG += hist.g[slot]
                leftH += hist.h[slot]
                leftCount += hist.c[slot]
                let rightCount = rows.count - leftCount
                if leftCount < settings.minRowsPerLeaf { continue }
                if rightCount < settings.minRowsPerLeaf { break }
                let rightG = totalG - leftG
                let rightH = totalH - leftH
                let gain = leftG * leftG / (leftH + lambda) + rightG * rightG / (rightH + lambda) - parentScore
                if gain > best.gain { best = (gain, j, b) }
            }
        }
        guard best.feature >= 0 else { return index }

        var left: [Int] = []
        var right: [Int] = []
        for row in rows {
            if Int(bins[row * width + best.feature]) <= best.bin { left.append(row) } else { right.append(row) }
        }
        // Histogram subtraction: build the smaller child's, derive the larger's.
        let smallIsLeft = left.count <= right.count
        let small = histogram(bins: bins, gradients: gradients, hessians: hessians, rows: smallIsLeft ? left : right)
        var large = hist
        for k in large.g.indices {
            large.g[k] -= small.g[k]
            large.h[k] -= small.h[k]
            large.c[k] -= small.c[k]
        }
        let leftIndex = split(
            rows: left, histogram: smallIsLeft ? small : large, depth: depth + 1, bins: bins, gradients: gradients,
            hessians: hessians, into: &nodes)
        let rightIndex = split(
            rows: right, histogram: smallIsLeft ? large : small, depth: depth + 1, bins: bins, gradients: gradients,
            hessians: hessians, into: &nodes)
        nodes[index].feature = best.feature
        nodes[index].threshold = cuts[best.feature][best.bin]
        nodes[index].left = leftIndex
        nodes[index].right = rightIndex
        return index
    }
}
