// The JVM side of `hollow-bench load`: one fresh JVM reads a snapshot (and applies a delta) with Java Hollow and
// prints the same line as hollow-bench's own child process: `load_ms=… delta_ms=… vmhwm_kb=…`.
// hollow-bench compiles this file at run time against $HOLLOW_JAVA_CLASSPATH (never checked in as a class).
//   java -cp "$HOLLOW_JAVA_CLASSPATH:CLASSES" LoadBench SNAPSHOT [DELTA]
import com.netflix.hollow.core.read.HollowBlobInput;
import com.netflix.hollow.core.read.engine.HollowBlobReader;
import com.netflix.hollow.core.read.engine.HollowReadStateEngine;
import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;

public class LoadBench {
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: LoadBench SNAPSHOT [DELTA]");
            System.exit(2);
        }
        HollowReadStateEngine engine = new HollowReadStateEngine();
        HollowBlobReader reader = new HollowBlobReader(engine);
        // Read + load, as the Swift child does (the file read is part of the time on both sides).
        long t0 = System.nanoTime();
        try (InputStream in = new BufferedInputStream(new FileInputStream(args[0]), 1 << 16)) {
            reader.readSnapshot(HollowBlobInput.serial(in));
        }
        long t1 = System.nanoTime();
        long t2 = t1;
        if (args.length == 2) {
            try (InputStream in = new BufferedInputStream(new FileInputStream(args[1]), 1 << 16)) {
                reader.applyDelta(HollowBlobInput.serial(in));
            }
            t2 = System.nanoTime();
        }
        long records = 0;
        for (var type : engine.getTypeStates()) records += type.getPopulatedOrdinals().cardinality();
        System.out.printf("load_ms=%.2f delta_ms=%.2f vmhwm_kb=%d records=%d%n",
            (t1 - t0) / 1e6, (t2 - t1) / 1e6, peakResidentKiB(), records);
    }

    /// VmHWM of this process (KiB), the figure hollow-bench reads for its own children.
    static long peakResidentKiB() throws Exception {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return 0;
    }
}
