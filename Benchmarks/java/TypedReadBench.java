// Java Hollow's generated API on the large-movies fixture: the same operations as
// Benchmarks/Sources/TypedReadBench (Swift), timed as CPU time of the benchmark thread, medians over runs.
import com.netflix.hollow.api.consumer.HollowConsumer;
import com.netflix.hollow.core.index.HollowHashIndex;
import com.netflix.hollow.core.index.HollowHashIndexResult;
import com.netflix.hollow.core.index.HollowPrimaryKeyIndex;
import com.netflix.hollow.core.read.engine.HollowBlobReader;
import com.netflix.hollow.core.read.engine.HollowReadStateEngine;
import com.netflix.hollow.core.read.iterator.HollowOrdinalIterator;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.*;
import typedbench.api.*;

public class TypedReadBench {
    static final ThreadMXBean BEAN = ManagementFactory.getThreadMXBean();
    static final Map<String, List<Double>> samples = new LinkedHashMap<>();
    static final Map<String, Integer> ops = new HashMap<>();
    static long checksum = 0;

    interface Body { void run() throws Exception; }

    static void measure(String name, int n, Body body) throws Exception {
        long t0 = BEAN.getCurrentThreadCpuTime();
        body.run();
        double ms = (BEAN.getCurrentThreadCpuTime() - t0) / 1e6;
        samples.computeIfAbsent(name, k -> new ArrayList<>()).add(ms);
        ops.put(name, n);
    }

    /** Serves snapshot-1 and delta-1-2 from memory (the fixture directory is read-only). */
    static HollowConsumer.BlobRetriever retriever(byte[] snapshot, byte[] delta) {
        return new HollowConsumer.BlobRetriever() {
            public HollowConsumer.Blob retrieveSnapshotBlob(long v) {
                return new HollowConsumer.Blob(1) { public InputStream getInputStream() { return new ByteArrayInputStream(snapshot); } };
            }
            public HollowConsumer.Blob retrieveDeltaBlob(long v) {
                if (v != 1) return null;
                return new HollowConsumer.Blob(1, 2) { public InputStream getInputStream() { return new ByteArrayInputStream(delta); } };
            }
            public HollowConsumer.Blob retrieveReverseDeltaBlob(long v) { return null; }
        };
    }

    /** The generated index classes (MoviePrimaryKeyIndex, MovieAPIHashIndex) on a consumer at version 1. */
    static void typedIndexes(byte[] snapshot, byte[] delta, int[] queries, List<Integer> studios) throws Exception {
        HollowConsumer consumer = HollowConsumer.withBlobRetriever(retriever(snapshot, delta))
                .withGeneratedAPIClass(MovieAPI.class).build();
        consumer.triggerRefreshTo(1);
        MovieAPI api = (MovieAPI) consumer.getAPI();
        MoviePrimaryKeyIndex[] pk = new MoviePrimaryKeyIndex[1];
        measure("typed: build MoviePrimaryKeyIndex (generated)", 1, () -> pk[0] = new MoviePrimaryKeyIndex(consumer));
        measure("typed: 100k MoviePrimaryKeyIndex.findMatch(id) + read title", 100_000, () -> {
            long sum = 0;
            for (int q : queries) {
                Movie m = pk[0].findMatch(q);
                if (m != null) {
                    String t = m.getTitle();
                    sum += t == null ? 0 : t.length();
                }
            }
            checksum += sum;
        });
        MovieAPIHashIndex[] hash = new MovieAPIHashIndex[1];
        measure("typed: build MovieAPIHashIndex Movie by studio.studioId", 1,
                () -> hash[0] = new MovieAPIHashIndex(consumer, false, "Movie", "", "studio.studioId"));
        measure("typed: 10k findMovieMatches(studioId) + read each id", 10_000, () -> {
            long sum = 0;
            for (int i = 0; i < 10_000; i++) {
                for (Movie m : hash[0].findMovieMatches(studios.get(i % studios.size()))) sum += m.getId();
            }
            checksum += sum;
        });
        HollowHashIndex[] byCast = new HollowHashIndex[1];
        measure("build hash index Movie by cast.element.name", 1,
                () -> byCast[0] = new HollowHashIndex(consumer.getStateEngine(), "Movie", "", "cast.element.name"));
    }

    public static void main(String[] args) throws Exception {
        String dir = args.length > 0 ? args[0] : "../shared/fixtures/java-hollow-large/large-movies";
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        byte[] snapshot = Files.readAllBytes(Paths.get(dir, "snapshot-1"));
        byte[] delta = Files.readAllBytes(Paths.get(dir, "delta-1-2"));
        for (int run = 0; run < runs; run++) {
            HollowReadStateEngine engine = new HollowReadStateEngine();
            measure("load snapshot-1", 1, () -> new HollowBlobReader(engine).readSnapshot(new ByteArrayInputStream(snapshot)));
            HollowReadStateEngine engine2 = new HollowReadStateEngine();
            new HollowBlobReader(engine2).readSnapshot(new ByteArrayInputStream(snapshot));
            measure("apply delta-1-2", 1, () -> new HollowBlobReader(engine2).applyDelta(new ByteArrayInputStream(delta)));
            MovieAPI api = new MovieAPI(engine);
            MovieAPI api2 = new MovieAPI(engine2);
            for (Object[] la : new Object[][] {{"state 1", api}, {"state 2", api2}}) {
                MovieAPI a = (MovieAPI) la[1];
                measure("iterate 5 fields, generated (" + la[0] + ")", 1, () -> {
                    long sum = 0;
                    for (Movie m : a.getAllMovie()) {
                        sum += m.getId();
                        String t = m.getTitle();
                        sum += t == null ? 0 : t.length();
                        sum += m.getRevenue();
                        sum += Float.floatToRawIntBits(m.getRating());
                        sum += m.getReleased() ? 1 : 0;
                    }
                    checksum += sum;
                });
            }
            List<Integer> idList = new ArrayList<>();
            for (Movie m : api.getAllMovie()) idList.add(m.getId());
            int[] queries = new int[100_000];
            long x = 42;
            for (int i = 0; i < queries.length; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
                queries[i] = idList.get((int) Long.remainderUnsigned(x >>> 33, idList.size()));
            }
            HollowPrimaryKeyIndex[] pk = new HollowPrimaryKeyIndex[1];
            measure("build Movie primary-key index (state 1)", 1, () -> pk[0] = new HollowPrimaryKeyIndex(engine, "Movie", "id"));
            // What the generated MoviePrimaryKeyIndex.findMatch does: getMatchingOrdinal + api.getMovie.
            measure("100k PK lookups, generated findMatch + read title", 100_000, () -> {
                long sum = 0;
                for (int q : queries) {
                    int o = pk[0].getMatchingOrdinal(q);
                    if (o != -1) {
                        String t = api.getMovie(o).getTitle();
                        sum += t == null ? 0 : t.length();
                    }
                }
                checksum += sum;
            });
            List<Integer> studios = new ArrayList<>();
            for (Studio s : api.getAllStudio()) studios.add(s.getStudioId());
            HollowHashIndex[] hash = new HollowHashIndex[1];
            measure("build hash index Movie by studio.studioId", 1, () -> hash[0] = new HollowHashIndex(engine, "Movie", "", "studio.studioId"));
            measure("10k hash-index queries + read each match's id", 10_000, () -> {
                long sum = 0;
                for (int i = 0; i < 10_000; i++) {
                    HollowHashIndexResult r = hash[0].findMatches(studios.get(i % studios.size()));
                    if (r == null) continue;
                    HollowOrdinalIterator it = r.iterator();
                    for (int o = it.next(); o != HollowOrdinalIterator.NO_MORE_ORDINALS; o = it.next()) sum += api.getMovie(o).getId();
                }
                checksum += sum;
            });
            typedIndexes(snapshot, delta, queries, studios);
        }
        System.out.println("java typed-read benchmark, " + runs + " runs, thread CPU time, median (min-max) ms; checksum " + checksum);
        for (Map.Entry<String, List<Double>> e : samples.entrySet()) {
            List<Double> v = new ArrayList<>(e.getValue());
            Collections.sort(v);
            double med = v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
            int n = ops.get(e.getKey());
            String perOp = n > 1 ? String.format("  %d ns/op", Math.round(med * 1e6 / n)) : "";
            System.out.println(String.format("%-66s%-10.2f(%.2f-%.2f)%s", e.getKey(), med, v.get(0), v.get(v.size() - 1), perOp));
        }
    }
}
