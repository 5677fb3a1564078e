// Generates Java Hollow's typed API for the large-movies fixture with Java Hollow's own HollowAPIGenerator,
// from the schemas of a snapshot (run by typed-read-bench.sh; the output is never checked in).
import com.netflix.hollow.api.codegen.HollowAPIGenerator;
import com.netflix.hollow.core.read.engine.HollowBlobReader;
import com.netflix.hollow.core.read.engine.HollowReadStateEngine;
import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.InputStream;

public class GenerateMovieAPI {
    public static void main(String[] args) throws Exception {
        HollowReadStateEngine engine = new HollowReadStateEngine();
        try (InputStream in = new BufferedInputStream(new FileInputStream(args[0]))) {
            new HollowBlobReader(engine).readSnapshot(in);
        }
        HollowAPIGenerator generator = new HollowAPIGenerator.Builder()
                .withAPIClassname("MovieAPI")
                .withPackageName("typedbench.api")
                .withDataModel(engine)
                .withDestination(args[1])
                .reservePrimaryKeyIndexForTypeWithPrimaryKey(true)
                .build();
        generator.generateSourceFiles();
    }
}
