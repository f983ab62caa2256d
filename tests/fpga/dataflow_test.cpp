// The dataflow framework: bounded streams, the cooperative scheduler, and deadlock detection that
// names the stuck stages and streams instead of hanging.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/devices/fpga/stage.h"
#include "mempipe/devices/fpga/stream.h"

namespace mempipe::fpga {
namespace {

TEST(Stream, IsABoundedFifo) {
    Stream<int, 3> s("s");
    EXPECT_TRUE(s.empty());
    EXPECT_TRUE(s.write_nb(1));
    EXPECT_TRUE(s.write_nb(2));
    EXPECT_TRUE(s.write_nb(3));
    EXPECT_TRUE(s.full());
    EXPECT_FALSE(s.write_nb(4));
    EXPECT_THROW(s.write(4), Error);
    EXPECT_EQ(s.read(), 1);
    s.write(5);  // wraps around the ring
    EXPECT_EQ(s.read(), 2);
    EXPECT_EQ(s.read(), 3);
    EXPECT_EQ(s.peek(), 5);
    EXPECT_EQ(s.read(), 5);
    EXPECT_THROW(s.read(), Error);
    EXPECT_EQ(s.max_occupancy(), 3);
    EXPECT_EQ(s.total_writes(), 4);
}

// Emits 0..n−1.
class Counter final : public Stage {
  public:
    Counter(Stream<int, 2>& out, int n) : Stage("counter"), out_(out), n_(n) {}
    StageStatus step() override {
        if (i_ == n_) return StageStatus::Done;
        if (!can_write(out_)) return StageStatus::Blocked;
        out_.write(i_++);
        return progressed();
    }

  private:
    Stream<int, 2>& out_;
    int n_, i_ = 0;
};

// Reads all n tokens of `first`, then all n of `second`, summing them.
template <class S>
class SerialJoin final : public Stage {
  public:
    SerialJoin(S& first, S& second, int n, long& sum)
        : Stage("join"), first_(first), second_(second), n_(n), sum_(sum) {}
    StageStatus step() override {
        if (i_ == 2 * n_) return StageStatus::Done;
        S& s = i_ < n_ ? first_ : second_;
        if (!can_read(s)) return StageStatus::Blocked;
        sum_ += s.read();
        ++i_;
        return progressed();
    }

  private:
    S &first_, &second_;
    int n_, i_ = 0;
    long& sum_;
};

template <class S>
void run_fork_join(int n, long& sum) {
    Stream<int, 2> src("source");
    S a("left"), b("right");
    Counter c(src, n);
    struct F final : Stage {
        F(Stream<int, 2>& in, S& a, S& b, int n) : Stage("fork"), in_(in), a_(a), b_(b), n_(n) {}
        StageStatus step() override {
            if (i_ == n_) return StageStatus::Done;
            if (!can_read(in_) || !can_write(a_) || !can_write(b_)) return StageStatus::Blocked;
            int v = in_.read();
            a_.write(v);
            b_.write(v);
            ++i_;
            return progressed();
        }
        Stream<int, 2>& in_;
        S &a_, &b_;
        int n_, i_ = 0;
    } f(src, a, b, n);
    SerialJoin<S> j(a, b, n, sum);
    Stage* stages[] = {&c, &f, &j};
    run_dataflow("fork_join", stages);
}

TEST(Dataflow, ForkJoinWithDeepEnoughFifosCompletes) {
    long sum = 0;
    run_fork_join<Stream<int, 16>>(10, sum);  // depth ≥ n: the join may read `left` first
    EXPECT_EQ(sum, 2 * 45);
}

TEST(Dataflow, ForkJoinWithShallowFifosDeadlocksWithADiagnosis) {
    long sum = 0;
    try {
        run_fork_join<Stream<int, 4>>(10, sum);  // `right` fills while the join drains `left`
        FAIL() << "expected a deadlock error";
    } catch (const Error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("deadlock in design 'fork_join'"), std::string::npos) << m;
        EXPECT_NE(m.find("stage 'fork'"), std::string::npos) << m;
        EXPECT_NE(m.find("writing stream 'right'"), std::string::npos) << m;
        EXPECT_NE(m.find("holds 4 of 4"), std::string::npos) << m;
        EXPECT_NE(m.find("stage 'join'"), std::string::npos) << m;
        EXPECT_NE(m.find("reading stream 'left'"), std::string::npos) << m;
        EXPECT_EQ(e.kind(), ErrorKind::Runtime);
    }
}

// A consumer of a stream nobody writes: a missing producer.
TEST(Dataflow, MissingProducerIsReportedNotHung) {
    Stream<int, 2> orphan("orphan");
    long sum = 0;
    SerialJoin<Stream<int, 2>> j(orphan, orphan, 1, sum);
    Stage* stages[] = {&j};
    try {
        run_dataflow("orphaned", stages);
        FAIL() << "expected a deadlock error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("reading stream 'orphan' (needs 1 tokens; holds 0 of "
                                             "2)"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Dataflow, PipelineRunsToCompletionAndCountsIterations) {
    Stream<int, 2> s("numbers");
    Counter c(s, 1000);
    long sum = 0;
    struct Sum final : Stage {
        Sum(Stream<int, 2>& in, long& sum) : Stage("sum"), in_(in), sum_(sum) {}
        StageStatus step() override {
            if (n_ == 1000) return StageStatus::Done;
            if (!can_read(in_)) return StageStatus::Blocked;
            sum_ += in_.read();
            ++n_;
            return progressed();
        }
        Stream<int, 2>& in_;
        long& sum_;
        int n_ = 0;
    } t(s, sum);
    Stage* stages[] = {&c, &t};
    DataflowStats st = run_dataflow("pipe", stages, 1);
    EXPECT_EQ(sum, 999 * 1000 / 2);
    EXPECT_EQ(st.iterations, 2000);
    EXPECT_EQ(c.iterations(), 1000);
    EXPECT_LE(s.max_occupancy(), 2);
    EXPECT_THROW(run_dataflow("pipe", stages, 0), Error);
}

}  // namespace
}  // namespace mempipe::fpga
