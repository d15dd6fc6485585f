package dev.berth.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.berth.api.ApiRequest;
import dev.berth.api.ApiResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiHandlerTest {
    @Test
    void toRequest_decodesQueryAndBase64BodyAndDropsFollow() {
        APIGatewayV2HTTPEvent event = APIGatewayV2HTTPEvent.builder().withRawPath("/v1/pods/pabcdefghijk/logs")
                .withRawQueryString("follow=true&status=RUNNING&status=STOPPED&name=my%20app")
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("GET").build()).build())
                .withBody(Base64.getEncoder().encodeToString("{}".getBytes(StandardCharsets.UTF_8))).withIsBase64Encoded(true).build();

        ApiRequest request = ApiHandler.toRequest(event);

        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.query()).isEqualTo(Map.of("status", List.of("RUNNING", "STOPPED"), "name", List.of("my app")));
        assertThat(new String(request.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
    }

    @Test
    void toResponse_streamingBodyIsCollected() {
        ApiResponse streaming = ApiResponse.streaming(ApiResponse.TEXT, out -> out.write("line\n".getBytes(StandardCharsets.UTF_8)));
        var response = ApiHandler.toResponse(streaming);
        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(response.getBody()).isEqualTo("line\n");
        assertThat(response.getIsBase64Encoded()).isFalse();
        assertThat(response.getHeaders()).containsEntry("Content-Type", ApiResponse.TEXT);
    }
}
