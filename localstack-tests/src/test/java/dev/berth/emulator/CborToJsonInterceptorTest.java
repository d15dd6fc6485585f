package dev.berth.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.thirdparty.jackson.core.JsonGenerator;
import software.amazon.awssdk.thirdparty.jackson.dataformat.cbor.CBORFactory;

class CborToJsonInterceptorTest {
    @Test
    void cborToJson_whenATimestampIsAFloat32_keepsItsExactValue() throws Exception {
        // 18:08:00 UTC that day is a multiple of 128 s: the SDK's CBOR writer stores it as a float32.
        float startTime = (float) Instant.parse("2026-11-28T18:08:00Z").getEpochSecond();
        ByteArrayOutputStream cbor = new ByteArrayOutputStream();
        try (JsonGenerator generator = new CBORFactory().createGenerator(cbor)) {
            generator.writeStartObject();
            generator.writeFieldName("StartTime");
            generator.writeNumber(startTime);
            generator.writeFieldName("Period");
            generator.writeNumber(60);
            generator.writeEndObject();
        }

        String json = new String(CborToJsonInterceptor.cborToJson(cbor.toByteArray()), java.nio.charset.StandardCharsets.UTF_8);

        String number = json.replaceAll(".*\"StartTime\":([^,}]+).*", "$1");
        assertThat(new BigDecimal(number).longValueExact()).isEqualTo(1795889280L);
        assertThat(json).contains("\"Period\":60");
    }
}
