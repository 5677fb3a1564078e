import com.netflix.hollow.core.read.HollowBlobInput;
import com.netflix.hollow.core.read.engine.HollowBlobReader;
import com.netflix.hollow.core.read.engine.HollowReadStateEngine;
import com.netflix.hollow.core.read.filter.HollowFilterConfig;

import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Loads a snapshot (and deltas) with Java Hollow's HollowFilterConfig and prints the filtered state with the
 * shared java-dump tool's canonical JSON (hollowgen.Dump must be on the classpath).
 *
 * Usage (single-file source launcher):
 *   java -cp HOLLOW_JAR:DUMP_CLASSES FilteredDump.java OUT.json FILTER SNAPSHOT [DELTA ...]
 * FILTER: include:T1,T2,Type.field,... or exclude:T1,Type.field,... (a name with a dot is a field).
 */
public class FilteredDump {
    public static void main(String[] args) throws IOException {
        String[] spec = args[1].split(":", 2);
        HollowFilterConfig filter = new HollowFilterConfig(spec[0].equals("exclude"));
        for (String item : spec[1].split(",")) {
            int dot = item.lastIndexOf('.');
            if (dot < 0) filter.addType(item);
            else filter.addField(item.substring(0, dot), item.substring(dot + 1));
        }
        HollowReadStateEngine engine = new HollowReadStateEngine();
        HollowBlobReader reader = new HollowBlobReader(engine);
        try (InputStream is = new BufferedInputStream(new FileInputStream(args[2]))) {
            reader.readSnapshot(HollowBlobInput.serial(is), filter);
        }
        for (int i = 3; i < args.length; i++) {
            try (InputStream is = new BufferedInputStream(new FileInputStream(args[i]))) {
                reader.applyDelta(HollowBlobInput.serial(is));
            }
        }
        Files.write(Paths.get(args[0]), hollowgen.Dump.dump(engine).getBytes(StandardCharsets.UTF_8));
    }
}
