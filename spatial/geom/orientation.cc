// Compiled with -ffp-contract=off: the double-double steps below rely on each
// product being rounded on its own, as in GEOS's build.
#include "spatial/geom/orientation.h"

namespace redline {
namespace {

// Double-double number, the subset of GEOS's math/DD needed for the sign of a
// 2x2 determinant. The operation order matches GEOS exactly so that the
// rounding, and therefore every answer, is the same.
struct DD {
  double hi;
  double lo;
};

constexpr double kSplit = 134217729.0;  // 2^27 + 1, Dekker's split constant

DD Add(DD a, DD b) {
  double S = a.hi + b.hi;
  double T = a.lo + b.lo;
  double e = S - a.hi;
  double f = T - a.lo;
  double s = S - e;
  double t = T - f;
  s = (b.hi - e) + (a.hi - s);
  t = (b.lo - f) + (a.lo - t);
  e = s + T;
  double H = S + e;
  double h = e + (S - H);
  e = t + h;
  double zhi = H + e;
  double zlo = e + (H - zhi);
  return {zhi, zlo};
}

DD Multiply(DD a, DD b) {
  double C = kSplit * a.hi;
  double hx = C - a.hi;
  double c = kSplit * b.hi;
  hx = C - hx;
  double tx = a.hi - hx;
  double hy = c - b.hi;
  C = a.hi * b.hi;
  hy = c - hy;
  double ty = b.hi - hy;
  c = ((((hx * hy - C) + hx * ty) + tx * hy) + tx * ty) + (a.hi * b.lo + a.lo * b.hi);
  double zhi = C + c;
  hx = C - zhi;
  double zlo = c + hx;
  return {zhi, zlo};
}

int Signum(DD d) {
  if (d.hi > 0) return 1;
  if (d.hi < 0) return -1;
  if (d.lo > 0) return 1;
  if (d.lo < 0) return -1;
  return 0;
}

int Sign(double x) { return x > 0 ? 1 : (x < 0 ? -1 : 0); }

constexpr double kSafeEpsilon = 1e-15;
constexpr int kFilterFailed = 2;

// Shewchuk-style filter: the sign of the determinant when the double result
// is certain, kFilterFailed otherwise.
int OrientationFilter(double pax, double pay, double pbx, double pby, double pcx, double pcy) {
  double detsum;
  const double detleft = (pax - pcx) * (pby - pcy);
  const double detright = (pay - pcy) * (pbx - pcx);
  const double det = detleft - detright;
  if (detleft > 0.0) {
    if (detright <= 0.0) return Sign(det);
    detsum = detleft + detright;
  } else if (detleft < 0.0) {
    if (detright >= 0.0) return Sign(det);
    detsum = -detleft - detright;
  } else {
    return Sign(det);
  }
  const double errbound = kSafeEpsilon * detsum;
  if (det >= errbound || -det >= errbound) return Sign(det);
  return kFilterFailed;
}

}  // namespace

double RingArea2(std::span<const Point2> ring) {
  if (ring.empty()) return 0;
  const Point2 o = ring.front();
  double area2 = 0;
  for (size_t i = 0; i + 1 < ring.size(); ++i) {
    const Point2 a = ring[i], b = ring[i + 1];
    area2 += (a.x - o.x) * (b.y - o.y) - (b.x - o.x) * (a.y - o.y);
  }
  return area2;
}

int OrientationIndex(Point2 p1, Point2 p2, Point2 q) {
  const int filtered = OrientationFilter(p1.x, p1.y, p2.x, p2.y, q.x, q.y);
  if (filtered <= 1) return filtered;
  const DD dx1 = Add({p2.x, 0}, {-p1.x, 0});
  const DD dy1 = Add({p2.y, 0}, {-p1.y, 0});
  const DD dx2 = Add({q.x, 0}, {-p2.x, 0});
  const DD dy2 = Add({q.y, 0}, {-p2.y, 0});
  const DD a = Multiply(dx1, dy2);
  const DD b = Multiply(dy1, dx2);
  return Signum(Add(a, {-b.hi, -b.lo}));
}

void RayCrossingCounter::CountSegment(Point2 p1, Point2 p2) {
  // Segments strictly left of the point cannot cross the ray.
  if (p1.x < point_.x && p2.x < point_.x) return;
  if (point_.x == p2.x && point_.y == p2.y) {
    on_segment_ = true;
    return;
  }
  // Horizontal segments: only test whether the point lies on them.
  if (p1.y == point_.y && p2.y == point_.y) {
    double minx = p1.x;
    double maxx = p2.x;
    if (minx > maxx) {
      minx = p2.x;
      maxx = p1.x;
    }
    if (point_.x >= minx && point_.x <= maxx) on_segment_ = true;
    return;
  }
  // An upward edge includes its start and excludes its end; a downward edge
  // the reverse, so a vertex on the ray is counted once.
  if ((p1.y > point_.y && p2.y <= point_.y) || (p2.y > point_.y && p1.y <= point_.y)) {
    int orient = OrientationIndex(p1, p2, point_);
    if (orient == 0) {
      on_segment_ = true;
      return;
    }
    if (p2.y < p1.y) orient = -orient;
    if (orient == 1) ++crossings_;
  }
}

}  // namespace redline
