/// Exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher, separable, linear time).
enum DistanceTransform {
    /// Stand-in for "no feature in reach"; finite so the parabola arithmetic never sees inf − inf.
    static let far: Double = 1e20

    /// For every pixel, the squared distance between its centre and the nearest pixel centre where
    /// `features` is true (0 on features); `far` or more when there is no feature at all.
    static func squared(width: Int, height: Int, features: [Bool]) -> [Double] {
        precondition(features.count == width * height)
        var grid = [Double](repeating: far, count: width * height)
        let n = max(width, height)
        var f = [Double](repeating: 0, count: n)
        var d = [Double](repeating: 0, count: n)
        var v = [Int](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: n + 1)
        grid.withUnsafeMutableBufferPointer { g in
            features.withUnsafeBufferPointer { feat in
                for i in 0..<g.count where feat[i] { g[i] = 0 }
            }
            f.withUnsafeMutableBufferPointer { f in
                d.withUnsafeMutableBufferPointer { d in
                    v.withUnsafeMutableBufferPointer { v in
                        z.withUnsafeMutableBufferPointer { z in
                            // columns
                            for x in 0..<width {
                                for y in 0..<height { f[y] = g[y * width + x] }
                                transform1D(f, d, v, z, height)
                                for y in 0..<height { g[y * width + x] = d[y] }
                            }
                            // rows
                            for y in 0..<height {
                                let row = y * width
                                for x in 0..<width { f[x] = g[row + x] }
                                transform1D(f, d, v, z, width)
                                for x in 0..<width { g[row + x] = d[x] }
                            }
                        }
                    }
                }
            }
        }
        return grid
    }

    /// d[q] = min over p of (q − p)² + f[p].
    private static func transform1D(
        _ f: UnsafeMutableBufferPointer<Double>,
        _ d: UnsafeMutableBufferPointer<Double>,
        _ v: UnsafeMutableBufferPointer<Int>,
        _ z: UnsafeMutableBufferPointer<Double>,
        _ n: Int
    ) {
        var k = 0
        v[0] = 0
        z[0] = -Double.greatestFiniteMagnitude
        z[1] = Double.greatestFiniteMagnitude
        if n > 1 {
            for q in 1..<n {
                let qd = Double(q)
                var s: Double
                repeat {
                    let p = Double(v[k])
                    s = ((f[q] + qd * qd) - (f[v[k]] + p * p)) / (2 * qd - 2 * p)
                    if s <= z[k] { k -= 1 } else { break }
                } while k >= 0
                k += 1
                v[k] = q
                z[k] = s
                z[k + 1] = Double.greatestFiniteMagnitude
            }
        }
        k = 0
        for q in 0..<n {
            while z[k + 1] < Double(q) { k += 1 }
            let dq = Double(q - v[k])
            d[q] = dq * dq + f[v[k]]
        }
    }
}
