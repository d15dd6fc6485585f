package dev.berth.templates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.InvalidSpecException;
import dev.berth.pod.PodSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppFilesTest {
    private final BuiltInTemplates catalog = new BuiltInTemplates();
    private final PodSpec streamlit = catalog.get("streamlit").spec();

    @TempDir
    Path dir;

    @Test
    void withApp_aFile_becomesTheTemplatesAppFile_andReplacesTheSample() throws Exception {
        Path mine = Files.writeString(dir.resolve("dashboard.py"), "import streamlit as st\nst.title('mine')\n");

        PodSpec spec = AppFiles.withApp("streamlit", streamlit, "app.py", mine);

        assertThat(spec.image().files()).containsOnlyKeys("app.py");
        assertThat(new String(Base64.getDecoder().decode(spec.image().files().get("app.py")))).contains("st.title('mine')");
        assertThat(spec.image().pythonPackages()).isEqualTo(streamlit.image().pythonPackages());
        assertThat(spec.entrypoint()).isEqualTo(streamlit.entrypoint());
    }

    @Test
    void withApp_aFolder_copiesItsFilesButHiddenAndCaches_andInstallsItsRequirementsInALaterLayer() throws Exception {
        Files.writeString(dir.resolve("app.py"), "print(1)\n");
        Files.createDirectories(dir.resolve("pages"));
        Files.writeString(dir.resolve("pages/other.py"), "print(2)\n");
        Files.createDirectories(dir.resolve("__pycache__"));
        Files.writeString(dir.resolve("__pycache__/app.cpython-312.pyc"), "x");
        Files.writeString(dir.resolve(".env"), "SECRET=1\n");
        Files.writeString(dir.resolve("requirements.txt"), "# tools\npandas==2.2.3  # frames\n\naltair\n");

        PodSpec spec = AppFiles.withApp("streamlit", streamlit, "app.py", dir);

        assertThat(spec.image().files()).containsOnlyKeys("app.py", "pages/other.py", "requirements.txt");
        assertThat(spec.image().pythonPackages()).isEqualTo(streamlit.image().pythonPackages());
        assertThat(spec.image().commands()).containsExactly("python3 -m pip install 'pandas==2.2.3' 'altair'");
    }

    @Test
    void withApp_whenTheFolderLacksTheAppFile_rejectsNamingIt() throws Exception {
        Files.writeString(dir.resolve("main.py"), "print(1)\n");

        assertThatThrownBy(() -> AppFiles.withApp("streamlit", streamlit, "app.py", dir))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessage("The folder " + dir + " has no app.py; template 'streamlit' runs app.py from the folder's top: "
                        + "rename your main file or pass the file itself")
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("--app");
    }

    @Test
    void withApp_whenNothingIsThere_orTheTemplateBuildsFromADockerfile_rejects() {
        assertThatThrownBy(() -> AppFiles.withApp("web", catalog.get("web").spec(), "app.py", dir.resolve("nope.py")))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("No file or folder at --app " + dir.resolve("nope.py"));
        assertThatThrownBy(() -> AppFiles.withApp("code-sandbox", catalog.get("code-sandbox").spec(), "x.py", dir))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessage("Template 'code-sandbox' builds from a Dockerfile and takes no --app");
    }
}
