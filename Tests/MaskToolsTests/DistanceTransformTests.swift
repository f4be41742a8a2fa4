import Testing

@testable import MaskTools

@Suite("distance transform")
struct DistanceTransformTests {
    @Test(arguments: [1, 2, 3, 4, 5])
    func matchesBruteForce(seed: Int) {
        let w = 23
        let h = 17
        var state = UInt64(seed) &* 6_364_136_223_846_793_005 &+ 1
        var features = [Bool](repeating: false, count: w * h)
        for i in 0..<features.count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            features[i] = (state >> 59) == 0  // about 1 in 32
        }
        let d = DistanceTransform.squared(width: w, height: h, features: features)
        for y in 0..<h {
            for x in 0..<w {
                var best = Int.max
                for fy in 0..<h {
                    for fx in 0..<w where features[fy * w + fx] {
                        best = min(best, (fx - x) * (fx - x) + (fy - y) * (fy - y))
                    }
                }
                if best == Int.max {
                    #expect(d[y * w + x] >= DistanceTransform.far)
                } else {
                    #expect(d[y * w + x] == Double(best), "\(x),\(y)")
                }
            }
        }
    }

    @Test func noFeatures() {
        let d = DistanceTransform.squared(width: 5, height: 3, features: [Bool](repeating: false, count: 15))
        #expect(d.allSatisfy { $0 >= DistanceTransform.far })
    }
}
