package dev.berth.local.route.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.route.AuthToken;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PodAuthTest {
    private static final String TOKEN = "bpt_abc";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /?auth_token=bpt_abc                      | /
            /x?auth_token=bpt_abc&y=1                 | /x?y=1
            /x?a=1&auth_token=bpt_abc&b=%20two        | /x?a=1&b=%20two
            /x?a=1&auth%5Ftoken=bpt_abc               | /x?a=1
            /x?auth_token=1&auth_token=2              | /x
            /x?a=1                                    | /x?a=1
            /plain                                    | /plain
            /x?auth_token=bpt_abc#frag                | /x#frag
            ?auth_token=bpt_abc                       | /
            """)
    void outboundUri_dropsEveryAuthTokenParameterAndKeepsTheRestAsWritten(String uri, String expected) {
        assertThat(PodAuth.outboundUri(uri)).isEqualTo(expected);
    }

    @Test
    void strip_removesTheCookieAndThePodsBearer_keepsOtherCookiesAndAForeignAuthorization() {
        MultiMap ours = HttpHeaders.headers().add("Authorization", "Bearer " + TOKEN).add("Cookie", "a=1; berth_auth=" + TOKEN + "; b=2");
        MultiMap foreign = HttpHeaders.headers().add("Authorization", "Bearer app-own-token").add("Cookie", "berth_auth=" + TOKEN);

        PodAuth.strip(ours, AuthToken.hash(TOKEN));
        PodAuth.strip(foreign, AuthToken.hash(TOKEN));

        assertThat(ours.contains("Authorization")).isFalse();
        assertThat(ours.getAll("Cookie")).containsExactly("a=1; b=2");
        assertThat(foreign.get("Authorization")).isEqualTo("Bearer app-own-token");
        assertThat(foreign.contains("Cookie")).isFalse();
    }
}
