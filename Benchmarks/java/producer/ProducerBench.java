package hollowbench;

import com.netflix.hollow.api.producer.HollowProducer;
import com.netflix.hollow.api.producer.fs.HollowFilesystemAnnouncer;
import com.netflix.hollow.api.producer.fs.HollowFilesystemPublisher;
import com.netflix.hollow.core.read.HollowBlobInput;
import com.netflix.hollow.core.read.engine.HollowBlobReader;
import com.netflix.hollow.core.read.engine.HollowReadStateEngine;
import com.netflix.hollow.core.read.engine.list.HollowListTypeReadState;
import com.netflix.hollow.core.read.engine.map.HollowMapTypeReadState;
import com.netflix.hollow.core.read.engine.object.HollowObjectTypeReadState;
import com.netflix.hollow.core.read.engine.set.HollowSetTypeReadState;
import com.netflix.hollow.core.read.iterator.HollowMapEntryOrdinalIterator;
import com.netflix.hollow.core.read.iterator.HollowOrdinalIterator;
import com.netflix.hollow.core.write.objectmapper.HollowHashKey;
import com.netflix.hollow.core.write.objectmapper.HollowInline;
import com.netflix.hollow.core.write.objectmapper.HollowPrimaryKey;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Java's side of swift-hollow's producer benchmark (Benchmarks/Sources/ProducerBench): reads the Movies of a
 * large-movies store's state 1 and state 2 into the KitchenSinkModel POJOs, then runs producer cycles v1
 * (snapshot) and v2 (1% churn; delta, reverse delta, snapshot, integrity check) with HollowProducer and its
 * HollowObjectMapper into a filesystem publisher, once per run, each run with a fresh producer.
 *
 * Usage: java -cp HOLLOW_JAR:classes hollowbench.ProducerBench STORE SCRATCH RUNS
 * Prints one line per run: "run <i> v1_wall <s> v1_cpu <s> v2_wall <s> v2_cpu <s>".
 */
public class ProducerBench {
    @HollowPrimaryKey(fields = "id")
    public static class Movie {
        int id;
        long revenue;
        float rating;
        double score;
        boolean released;
        @HollowInline String title;
        String originalTitle;
        byte[] poster;
        @HollowInline Integer sequelNumber;
        @HollowInline Long budget;
        @HollowInline Float userRating;
        @HollowInline Double boxOfficeRatio;
        @HollowInline Boolean awardWinning;
        @HollowInline String tagline;
        Integer viewCount;
        Studio studio;
        List<Actor> cast;
        @HollowHashKey(fields = {}) Set<Genre> genres;
        @HollowHashKey(fields = {}) Map<Country, ReleaseInfo> releases;
        @HollowHashKey(fields = "name") Set<Award> awards;
        Map<Language, String> subtitles;
    }

    @HollowPrimaryKey(fields = "studioId")
    public static class Studio {
        int studioId;
        @HollowInline String name;
        Country country;
    }

    @HollowPrimaryKey(fields = "code")
    public static class Country {
        @HollowInline String code;
        String name;
    }

    @HollowPrimaryKey(fields = {"name", "birthYear"})
    public static class Actor {
        @HollowInline String name;
        int birthYear;
    }

    public static class Genre {
        @HollowInline String name;
    }

    public static class Award {
        @HollowInline String name;
        int year;
    }

    public static class Language {
        @HollowInline String code;
    }

    public static class ReleaseInfo {
        long releaseDate;
        @HollowInline String format;
    }

    /** Reads every populated Movie of a state into POJOs (sets and maps in ascending-ordinal order). */
    static final class Extractor {
        final HollowReadStateEngine e;
        final HollowObjectTypeReadState movie, studio, country, actor, genre, award, language, release, strings, integers;
        final HollowListTypeReadState cast;
        final HollowSetTypeReadState genres, awards;
        final HollowMapTypeReadState releases, subtitles;

        Extractor(HollowReadStateEngine e) {
            this.e = e;
            movie = obj("Movie"); studio = obj("Studio"); country = obj("Country"); actor = obj("Actor");
            genre = obj("Genre"); award = obj("Award"); language = obj("Language"); release = obj("ReleaseInfo");
            strings = obj("String"); integers = obj("Integer");
            cast = (HollowListTypeReadState) e.getTypeState("ListOfActor");
            genres = (HollowSetTypeReadState) e.getTypeState("SetOfGenre");
            awards = (HollowSetTypeReadState) e.getTypeState("SetOfAward");
            releases = (HollowMapTypeReadState) e.getTypeState("MapOfCountryToReleaseInfo");
            subtitles = (HollowMapTypeReadState) e.getTypeState("MapOfLanguageToString");
        }

        HollowObjectTypeReadState obj(String name) { return (HollowObjectTypeReadState) e.getTypeState(name); }

        static int f(HollowObjectTypeReadState t, String name) { return t.getSchema().getPosition(name); }

        String string(int o) { return o < 0 ? null : strings.readString(o, 0); }

        Country country(int o) {
            if (o < 0) return null;
            Country c = new Country();
            c.code = country.readString(o, f(country, "code"));
            c.name = string(country.readOrdinal(o, f(country, "name")));
            return c;
        }

        List<Integer> sortedOrdinals(HollowOrdinalIterator it) {
            List<Integer> out = new ArrayList<>();
            for (int x = it.next(); x != HollowOrdinalIterator.NO_MORE_ORDINALS; x = it.next()) out.add(x);
            out.sort(Comparator.naturalOrder());
            return out;
        }

        List<int[]> sortedEntries(HollowMapTypeReadState m, int o) {
            List<int[]> out = new ArrayList<>();
            HollowMapEntryOrdinalIterator it = m.ordinalIterator(o);
            while (it.next()) out.add(new int[] {it.getKey(), it.getValue()});
            out.sort((a, b) -> a[1] != b[1] ? Integer.compare(a[1], b[1]) : Integer.compare(a[0], b[0]));
            return out;
        }

        List<Movie> movies() {
            List<Movie> out = new ArrayList<>();
            BitSet pop = movie.getPopulatedOrdinals();
            int fId = f(movie, "id"), fRev = f(movie, "revenue"), fRating = f(movie, "rating"), fScore = f(movie, "score");
            int fReleased = f(movie, "released"), fTitle = f(movie, "title"), fOrig = f(movie, "originalTitle");
            int fPoster = f(movie, "poster"), fSeq = f(movie, "sequelNumber"), fBudget = f(movie, "budget");
            int fUser = f(movie, "userRating"), fBox = f(movie, "boxOfficeRatio"), fWin = f(movie, "awardWinning");
            int fTag = f(movie, "tagline"), fView = f(movie, "viewCount"), fStudio = f(movie, "studio");
            int fCast = f(movie, "cast"), fGenres = f(movie, "genres"), fReleases = f(movie, "releases");
            int fAwards = f(movie, "awards"), fSubs = f(movie, "subtitles");
            for (int o = pop.nextSetBit(0); o >= 0; o = pop.nextSetBit(o + 1)) {
                Movie m = new Movie();
                m.id = movie.readInt(o, fId);
                m.revenue = movie.readLong(o, fRev);
                m.rating = movie.readFloat(o, fRating);
                m.score = movie.readDouble(o, fScore);
                Boolean rel = movie.readBoolean(o, fReleased);
                m.released = rel != null && rel;
                m.title = movie.readString(o, fTitle);
                m.originalTitle = string(movie.readOrdinal(o, fOrig));
                m.poster = movie.readBytes(o, fPoster);
                int seq = movie.readInt(o, fSeq);
                m.sequelNumber = seq == Integer.MIN_VALUE ? null : seq;
                long budget = movie.readLong(o, fBudget);
                m.budget = budget == Long.MIN_VALUE ? null : budget;
                float ur = movie.readFloat(o, fUser);
                m.userRating = Float.isNaN(ur) ? null : ur;
                double box = movie.readDouble(o, fBox);
                m.boxOfficeRatio = Double.isNaN(box) ? null : box;
                m.awardWinning = movie.readBoolean(o, fWin);
                m.tagline = movie.readString(o, fTag);
                int vc = movie.readOrdinal(o, fView);
                m.viewCount = vc < 0 ? null : integers.readInt(vc, 0);
                int so = movie.readOrdinal(o, fStudio);
                if (so >= 0) {
                    Studio s = new Studio();
                    s.studioId = studio.readInt(so, f(studio, "studioId"));
                    s.name = studio.readString(so, f(studio, "name"));
                    s.country = country(studio.readOrdinal(so, f(studio, "country")));
                    m.studio = s;
                }
                int co = movie.readOrdinal(o, fCast);
                if (co >= 0) {
                    m.cast = new ArrayList<>();
                    for (int i = 0; i < cast.size(co); i++) {
                        int a = cast.getElementOrdinal(co, i);
                        Actor x = new Actor();
                        x.name = actor.readString(a, f(actor, "name"));
                        x.birthYear = actor.readInt(a, f(actor, "birthYear"));
                        m.cast.add(x);
                    }
                }
                int go = movie.readOrdinal(o, fGenres);
                if (go >= 0) {
                    m.genres = new LinkedHashSet<>();
                    for (int g : sortedOrdinals(genres.ordinalIterator(go))) {
                        Genre x = new Genre();
                        x.name = genre.readString(g, f(genre, "name"));
                        m.genres.add(x);
                    }
                }
                int ao = movie.readOrdinal(o, fAwards);
                if (ao >= 0) {
                    m.awards = new LinkedHashSet<>();
                    for (int a : sortedOrdinals(awards.ordinalIterator(ao))) {
                        Award x = new Award();
                        x.name = award.readString(a, f(award, "name"));
                        x.year = award.readInt(a, f(award, "year"));
                        m.awards.add(x);
                    }
                }
                int ro = movie.readOrdinal(o, fReleases);
                if (ro >= 0) {
                    m.releases = new LinkedHashMap<>();
                    for (int[] kv : sortedEntries(releases, ro)) {
                        ReleaseInfo r = new ReleaseInfo();
                        r.releaseDate = release.readLong(kv[1], f(release, "releaseDate"));
                        r.format = release.readString(kv[1], f(release, "format"));
                        m.releases.put(country(kv[0]), r);
                    }
                }
                int sub = movie.readOrdinal(o, fSubs);
                if (sub >= 0) {
                    m.subtitles = new LinkedHashMap<>();
                    for (int[] kv : sortedEntries(subtitles, sub)) {
                        Language l = new Language();
                        l.code = language.readString(kv[0], f(language, "code"));
                        m.subtitles.put(l, string(kv[1]));
                    }
                }
                out.add(m);
            }
            return out;
        }
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static void deleteTree(Path p) throws Exception {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }

    public static void main(String[] args) throws Exception {
        String store = args[0];
        Path scratch = Path.of(args[1]);
        int runs = Integer.parseInt(args[2]);
        HollowReadStateEngine e = new HollowReadStateEngine();
        HollowBlobReader reader = new HollowBlobReader(e);
        try (InputStream in = new FileInputStream(new File(store, "snapshot-1"))) { reader.readSnapshot(HollowBlobInput.serial(in)); }
        List<Movie> first = new Extractor(e).movies();
        try (InputStream in = new FileInputStream(new File(store, "delta-1-2"))) { reader.applyDelta(HollowBlobInput.serial(in)); }
        List<Movie> second = new Extractor(e).movies();
        System.out.println("records v1 " + first.size() + " v2 " + second.size());
        for (int run = 0; run < runs; run++) {
            Path dir = scratch.resolve("java-run" + run);
            deleteTree(dir);
            Files.createDirectories(dir);
            long[] version = {0};
            HollowProducer producer = HollowProducer.withPublisher(new HollowFilesystemPublisher(dir))
                    .withAnnouncer(new HollowFilesystemAnnouncer(dir))
                    .withVersionMinter(() -> ++version[0])
                    .build();
            producer.initializeDataModel(Movie.class);
            long t = System.nanoTime(), c = cpuNanos();
            producer.runCycle(ws -> { for (Movie m : first) ws.add(m); });
            long v1w = System.nanoTime() - t, v1c = cpuNanos() - c;
            t = System.nanoTime(); c = cpuNanos();
            producer.runCycle(ws -> { for (Movie m : second) ws.add(m); });
            long v2w = System.nanoTime() - t, v2c = cpuNanos() - c;
            System.out.printf("run %d v1_wall %.4f v1_cpu %.4f v2_wall %.4f v2_cpu %.4f%n", run, v1w / 1e9, v1c / 1e9, v2w / 1e9, v2c / 1e9);
            deleteTree(dir);
        }
    }
}
