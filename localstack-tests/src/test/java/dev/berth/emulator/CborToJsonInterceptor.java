package dev.berth.emulator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.thirdparty.jackson.core.JsonFactory;
import software.amazon.awssdk.thirdparty.jackson.core.JsonGenerator;
import software.amazon.awssdk.thirdparty.jackson.core.JsonParser;
import software.amazon.awssdk.thirdparty.jackson.core.JsonToken;
import software.amazon.awssdk.thirdparty.jackson.dataformat.cbor.CBORFactory;

/**
 * Lets the SDK's CloudWatch client talk to an emulator that does not speak Smithy RPC v2 CBOR.
 *
 * <p>Since early 2025 the AWS SDKs call CloudWatch with {@code smithy-rpc-v2-cbor}
 * ({@code POST /service/GraniteServiceVersion20100801/operation/<Op>}, {@code application/cbor}); the SDK for
 * Java has no switch back. CloudWatch itself still accepts {@code awsJson1_0} (its model lists
 * {@code smithy-rpc-v2-cbor, json, query}), and moto 5.2.1 parses {@code json} and {@code query} only. This
 * interceptor rewrites each request, before signing, into the same operation in {@code awsJson1_0}
 * ({@code POST /}, {@code X-Amz-Target: GraniteServiceVersion20100801.<Op>}, the body transcoded token by token
 * from CBOR to JSON) and transcodes the JSON answer back to CBOR. Both protocols share one data model
 * (timestamps as epoch seconds, blobs as byte strings / base64), so a token-for-token copy is exact — once
 * float32 values are widened (see {@link #transcode}).
 *
 * <p>Test-only: against AWS and against LocalStack (which speaks CBOR) the client is used unchanged.
 */
public final class CborToJsonInterceptor implements ExecutionInterceptor {
    private static final String SERVICE = "GraniteServiceVersion20100801";
    private static final String PATH_PREFIX = "/service/" + SERVICE + "/operation/";
    private static final JsonFactory JSON = new JsonFactory();
    private static final CBORFactory CBOR = new CBORFactory();

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        SdkHttpRequest request = context.httpRequest();
        String path = request.encodedPath();
        int at = path.indexOf(PATH_PREFIX);
        if (at < 0) {
            return request;
        }
        String operation = path.substring(at + PATH_PREFIX.length());
        // The marshaller set Content-Length for the CBOR body; the JSON body has another length.
        int length = jsonBody(context).length;
        return request.toBuilder()
                .putHeader("Content-Length", Integer.toString(length))
                .encodedPath("/")
                .removeHeader("smithy-protocol")
                .removeHeader("Accept")
                .putHeader("Content-Type", "application/x-amz-json-1.0")
                .putHeader("X-Amz-Target", SERVICE + "." + operation)
                .build();
    }

    @Override
    public Optional<RequestBody> modifyHttpContent(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        Optional<RequestBody> body = context.requestBody();
        // The request seen here may already carry this interceptor's rewrite (path "/", JSON target header).
        SdkHttpRequest request = context.httpRequest();
        boolean cloudWatch = request.encodedPath().contains(PATH_PREFIX)
                || request.firstMatchingHeader("X-Amz-Target").filter(t -> t.startsWith(SERVICE + ".")).isPresent();
        if (!cloudWatch) {
            return body;
        }
        return Optional.of(RequestBody.fromBytes(jsonBody(context)));
    }

    private static byte[] jsonBody(Context.ModifyHttpRequest context) {
        Optional<RequestBody> body = context.requestBody();
        if (body.isEmpty()) {
            return "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        try (InputStream in = body.get().contentStreamProvider().newStream()) {
            byte[] json = transcode(in.readAllBytes(), CBOR, JSON);
            return json.length == 0 ? "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8) : json;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        return context.httpResponse().toBuilder()
                .putHeader("Content-Type", "application/cbor")
                .putHeader("smithy-protocol", "rpc-v2-cbor")
                .removeHeader("Content-Length")
                .build();
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        Optional<InputStream> body = context.responseBody();
        if (body.isEmpty()) {
            return body;
        }
        try (InputStream in = body.get()) {
            byte[] raw = in.readAllBytes();
            return Optional.of(new ByteArrayInputStream(raw.length == 0 ? raw : transcode(raw, JSON, CBOR)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CBOR body of a request as the JSON moto reads. */
    static byte[] cborToJson(byte[] cbor) throws IOException {
        return transcode(cbor, CBOR, JSON);
    }

    private static byte[] transcode(byte[] input, JsonFactory from, JsonFactory to) throws IOException {
        if (input.length == 0) {
            return input;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonParser parser = from.createParser(input); JsonGenerator generator = to.createGenerator(out)) {
            while (parser.nextToken() != null) {
                if (parser.currentToken() == JsonToken.VALUE_NUMBER_FLOAT && parser.getNumberType() == JsonParser.NumberType.FLOAT) {
                    // The SDK writes a double that a float32 holds exactly (a timestamp on a multiple of 128 s) as a
                    // float32. Copied as a float, JSON would get Float.toString's shortest text ("1.7958893E9"), which
                    // a double reader takes as another number (20 s off); widened first, the text is exact.
                    generator.writeNumber((double) parser.getFloatValue());
                } else {
                    generator.copyCurrentEvent(parser);
                }
            }
        }
        return out.toByteArray();
    }
}
