import com.netflix.hollow.core.schema.HollowListSchema;
import com.netflix.hollow.core.schema.HollowObjectSchema;
import com.netflix.hollow.core.schema.HollowObjectSchema.FieldType;
import com.netflix.hollow.core.write.HollowBlobWriter;
import com.netflix.hollow.core.write.HollowListTypeWriteState;
import com.netflix.hollow.core.write.HollowListWriteRecord;
import com.netflix.hollow.core.write.HollowObjectTypeWriteState;
import com.netflix.hollow.core.write.HollowObjectWriteRecord;
import com.netflix.hollow.core.write.HollowWriteStateEngine;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a small Hollow chain whose header tags, type names, field names and STRING values hold unpaired UTF-16
 * surrogates (and U+10FFFF, U+10F000, which swift-hollow's JavaUTF16 uses to carry them), with Java Hollow's own
 * write engine: snapshot-1, delta-1-2, reversedelta-2-1, snapshot-2 in the directory given as the argument.
 *
 * Run with Java's single-file source launcher: java -cp HOLLOW_JAR LoneSurrogates.java DIR
 */
public class LoneSurrogates {
    static final String TYPE = "Lone\uD800Type";
    static final String NAME = "name\uDC00";
    static final String LIST = "ListOf\uDBFF";

    static final String[] V1 = {
        "high\uD83D", "\uDE00low", "pair \uD83D\uDE00 ok", "reversed \uDE00\uD83D", "max \uDBFF\uDFFF",
        "pua \uDBFC\uDC00", "\uDBFF\uDFFF\uDBFC\uDC00", "\uDBFF\uDFFF\uD800", "plain", "",
    };
    static final String[] V2 = {
        "high\uD83D", "pair \uD83D\uDE00 ok", "max \uDBFF\uDFFF", "new \uDFFF", "\uD800\uD800\uDC00\uDC00", "plain",
    };

    public static void main(String[] args) throws IOException {
        String dir = args[0];
        HollowWriteStateEngine engine = new HollowWriteStateEngine();
        HollowObjectSchema schema = new HollowObjectSchema(TYPE, 2, NAME);
        schema.addField(NAME, FieldType.STRING);
        schema.addField("id", FieldType.INT);
        engine.addTypeState(new HollowObjectTypeWriteState(schema));
        engine.addTypeState(new HollowListTypeWriteState(new HollowListSchema(LIST, TYPE)));

        cycle(engine, V1, "v1 \uDC01 tag");
        HollowBlobWriter writer = new HollowBlobWriter(engine);
        try (OutputStream os = new FileOutputStream(dir + "/snapshot-1")) { writer.writeSnapshot(os); }

        engine.prepareForNextCycle();
        cycle(engine, V2, "v2 \uD802 tag");
        try (OutputStream os = new FileOutputStream(dir + "/delta-1-2")) { writer.writeDelta(os); }
        try (OutputStream os = new FileOutputStream(dir + "/reversedelta-2-1")) { writer.writeReverseDelta(os); }
        try (OutputStream os = new FileOutputStream(dir + "/snapshot-2")) { writer.writeSnapshot(os); }
    }

    static void cycle(HollowWriteStateEngine engine, String[] values, String tag) {
        engine.addHeaderTag("tag\uDBFF", tag);
        engine.addHeaderTag("plain", "\uDFFF");
        HollowListWriteRecord list = new HollowListWriteRecord();
        for (int i = 0; i < values.length; i++) {
            HollowObjectWriteRecord rec = new HollowObjectWriteRecord((HollowObjectSchema) engine.getSchema(TYPE));
            rec.setString(NAME, values[i]);
            rec.setInt("id", values[i].length());
            list.addElement(engine.add(TYPE, rec));
        }
        engine.add(LIST, list);
        engine.prepareForWrite();
    }
}
