package io.pswitch.dataplane.fdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ForwardingTableTest {
    private static final long S = 1_000_000_000L;
    private static final long A = 0x020000000001L;
    private static final long B = 0x020000000002L;

    @Test
    void learnsAndLooksUpStations() {
        ForwardingTable t = new ForwardingTable(16, 300 * S);
        assertThat(t.lookup(0, A, 0)).isEqualTo(ForwardingTable.NO_PORT);
        t.learn(0, A, 3, 0);
        t.learn(0, A, 3, 1);
        assertThat(t.lookup(0, A, 2)).isEqualTo(3);
        assertThat(t.size()).isEqualTo(1);
        assertThat(t.learned()).isEqualTo(1);
        assertThat(t.moved()).isZero();
    }

    @Test
    void keepsTheSameMacOnTwoVlansApart() {
        ForwardingTable t = new ForwardingTable(16, 300 * S);
        t.learn(10, A, 1, 0);
        t.learn(20, A, 2, 0);
        assertThat(t.lookup(10, A, 0)).isEqualTo(1);
        assertThat(t.lookup(20, A, 0)).isEqualTo(2);
        assertThat(t.lookup(0, A, 0)).isEqualTo(ForwardingTable.NO_PORT);
        assertThat(t.size()).isEqualTo(2);
    }

    @Test
    void movesAStationSeenOnAnotherPort() {
        ForwardingTable t = new ForwardingTable(16, 300 * S);
        t.learn(0, A, 1, 0);
        t.learn(0, A, 2, S);
        assertThat(t.lookup(0, A, S)).isEqualTo(2);
        assertThat(t.moved()).isEqualTo(1);
        assertThat(t.size()).isEqualTo(1);
    }

    @Test
    void forgetsStationsAfterTheAgeingTime() {
        ForwardingTable t = new ForwardingTable(16, 300 * S);
        t.learn(0, A, 1, 0);
        t.learn(0, B, 2, 200 * S);
        assertThat(t.lookup(0, A, 299 * S)).isEqualTo(1);
        assertThat(t.lookup(0, A, 300 * S)).as("aged out at once, before any sweep").isEqualTo(ForwardingTable.NO_PORT);
        assertThat(t.snapshot(300 * S)).extracting(FdbEntry::mac).containsExactly(B);
        int removed = 0;
        for (int i = 0; i < 100; i++) {
            removed += t.expire(300 * S, 8);
        }
        assertThat(removed).isEqualTo(1);
        assertThat(t.size()).isEqualTo(1);
        assertThat(t.aged()).isEqualTo(1);
        assertThat(t.lookup(0, B, 300 * S)).isEqualTo(2);
    }

    @Test
    void relearningAnAgedStationIsANewLearnNotAMove() {
        ForwardingTable t = new ForwardingTable(16, 10 * S);
        t.learn(0, A, 1, 0);
        t.learn(0, A, 2, 20 * S);
        assertThat(t.moved()).isZero();
        assertThat(t.aged()).isEqualTo(1);
        assertThat(t.learned()).isEqualTo(2);
        assertThat(t.lookup(0, A, 20 * S)).isEqualTo(2);
    }

    @Test
    void evictsTheOldestAtCapacityAndCountsIt() {
        ForwardingTable t = new ForwardingTable(8, 300 * S);
        for (int i = 0; i < 20; i++) {
            t.learn(0, A + i, i % 4, i * S);
        }
        assertThat(t.size()).isEqualTo(8);
        assertThat(t.evicted()).isEqualTo(12);
        assertThat(t.learned()).isEqualTo(20);
        assertThat(t.snapshot(20 * S)).hasSize(8);
        assertThat(t.lookup(0, A + 19, 20 * S)).as("the newest station is always kept").isEqualTo(19 % 4);
    }

    @Test
    void flushesOnePortOrAll() {
        ForwardingTable t = new ForwardingTable(1000, 300 * S);
        for (int i = 0; i < 900; i++) {
            t.learn(i % 7, A + i * 977L, i % 3, 0);
        }
        assertThat(t.flushPort(1)).isEqualTo(300);
        assertThat(t.size()).isEqualTo(600);
        for (int i = 0; i < 900; i++) {
            int expected = i % 3 == 1 ? ForwardingTable.NO_PORT : i % 3;
            assertThat(t.lookup(i % 7, A + i * 977L, 0)).as("station %d", i).isEqualTo(expected);
        }
        assertThat(t.flush()).isEqualTo(600);
        assertThat(t.size()).isZero();
        assertThat(t.flushed()).isEqualTo(900);
        assertThat(t.lookup(0, A, 0)).isEqualTo(ForwardingTable.NO_PORT);
    }

    @Test
    void agreesWithAMapModelUnderRandomLearnFlushAndAgeing() {
        // Capacity large enough never to evict: the table must then behave exactly like a map.
        ForwardingTable t = new ForwardingTable(4096, 50);
        Map<Long, long[]> model = new HashMap<>(); // key -> {port, seen}
        Random r = new Random(7);
        long now = 0;
        for (int step = 0; step < 200_000; step++) {
            now += r.nextInt(2);
            int vid = r.nextInt(4);
            long mac = 0x020000000000L | r.nextInt(600);
            long key = ((long) vid << 48) | mac;
            int op = r.nextInt(1000);
            if (op < 700) {
                int port = r.nextInt(5);
                t.learn(vid, mac, port, now);
                model.put(key, new long[] {port, now});
            } else if (op < 995) {
                long[] m = model.get(key);
                int expected = m == null || now - m[1] >= 50 ? ForwardingTable.NO_PORT : (int) m[0];
                assertThat(t.lookup(vid, mac, now)).as("step %d", step).isEqualTo(expected);
            } else if (op < 998) {
                int port = r.nextInt(5);
                t.flushPort(port);
                model.values().removeIf(v -> v[0] == port);
            } else {
                t.expire(now, 1 + r.nextInt(5000));
            }
        }
        long live = model.size();
        assertThat(t.size()).isLessThanOrEqualTo(live);
        assertThat(t.evicted()).isZero();
        final long at = now;
        assertThat(t.snapshot(now)).hasSize((int) model.values().stream().filter(v -> at - v[1] < 50).count());
    }

    @Test
    void refusesNonsenseSizes() {
        assertThatThrownBy(() -> new ForwardingTable(0, S)).hasMessageContaining("capacity 0");
        assertThatThrownBy(() -> new ForwardingTable(10, 0)).hasMessageContaining("ageing");
    }
}
