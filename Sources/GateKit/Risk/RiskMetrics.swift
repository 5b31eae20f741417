/// How well scores separate true discrepancies from clean trips.
public enum RiskMetrics {
    /// Area under the ROC curve: the probability that a random positive scores above a
    /// random negative (ties count half). 0.5 is chance; nil without both classes.
    public static func auc(scores: [Double], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count, "one label per score")
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        // Rank-sum (Mann–Whitney U) with average ranks for ties: O(n log n).
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumOfPositives = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for index in order[start...end] where labels[index] { rankSumOfPositives += averageRank }
            start = end + 1
        }
        let u = rankSumOfPositives - Double(positives) * Double(positives + 1) / 2
        return u / (Double(positives) * Double(negatives))
    }

    /// Of the `rate` share of trips with the highest scores (those an inspection budget
    /// would reach), the share that are true discrepancies.
    public static func precision(atInspectionRate rate: Double, scores: [Double], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count, "one label per score")
        let inspected = Int((Double(scores.count) * rate).rounded())
        guard inspected > 0 else { return nil }
        let top = scores.indices.sorted { scores[$0] > scores[$1] }.prefix(inspected)
        return Double(top.filter { labels[$0] }.count) / Double(inspected)
    }
}
