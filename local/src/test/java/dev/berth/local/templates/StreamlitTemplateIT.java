package dev.berth.local.templates;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.sdk.PodInstance;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code berth run --template streamlit} end to end: the sample app, rendered by Chromium through the router. */
class StreamlitTemplateIT {
    @RegisterExtension
    static final TemplatePod streamlit = new TemplatePod("streamlit");

    @Test
    void sampleApp_rendersItsScriptOutputInHeadlessChromium_andRerunsWhenItsSliderMoves() {
        try (DevToolsBrowser browser = streamlit.browser(8501)) {
            java.net.URI url = TemplatePlatform.browserUrl(streamlit.pod(), 8501, "/");
            String slider = "document.querySelector('[data-testid=\"stSlider\"] input[type=\"range\"]')";
            String text;
            try {
                // The script's output reaches the page over Streamlit's WebSocket, through the router; the served HTML has
                // none. Widgets may render after the text: wait for the slider's range input too.
                text = browser.openAndAwait(url, "document.body.innerText",
                        t -> t.contains("Hello, world! (2)") && t.contains("How many greetings?"), Duration.ofSeconds(40));
                browser.await(slider + ".value", v -> !v.isEmpty(), Duration.ofMinutes(1));
            } finally {
                browser.screenshot(Path.of("target", "screenshots", "streamlit.png"));
            }

            assertThat(text).contains("Streamlit on Berth", "A sample app: replace it with your own", "Your name",
                    "How many greetings?", "Hello, world! (1)", "Hello, world! (2)").doesNotContain("Hello, world! (3)")
                    .containsPattern("Python 3\\.\\d+\\.\\d+");
            assertThat(browser.evaluate("document.querySelector('h1').innerText")).isEqualTo("Streamlit on Berth");
            assertThat(browser.evaluate("document.querySelector('[data-testid=\"stTextInput\"] input').value")).isEqualTo("world");
            assertThat(browser.evaluate(slider + ".value")).isEqualTo("2");
            assertThat(browser.evaluate("document.querySelector('[data-testid=\"stSliderThumbValue\"]').innerText")).isEqualTo("2");

            // The widget works: a key press on the slider goes back over the WebSocket and the script reruns with 3.
            browser.evaluate(slider + ".focus()");
            browser.press("ArrowRight");
            String rerun = browser.await("document.body.innerText", t -> t.contains("Hello, world! (3)"), Duration.ofMinutes(1));
            assertThat(rerun).contains("Hello, world! (1)", "Hello, world! (2)", "Hello, world! (3)").doesNotContain("Hello, world! (4)");
            assertThat(browser.evaluate(slider + ".value")).isEqualTo("3");
        }
    }
}
