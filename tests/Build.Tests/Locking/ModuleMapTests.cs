using Build.Locking;

namespace Build.Tests.Locking;

/// <summary>Which distribution an import needs: the fleet's module_map, then the built-in table, then the module's own name.</summary>
[TestFixture]
[Category("Unit")]
public sealed class ModuleMapTests
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    [TestCase("cv2", "opencv-python-headless")]
    [TestCase("yaml", "PyYAML")]
    [TestCase("zmq", "pyzmq")]
    [TestCase("PIL.Image", "Pillow")]
    [TestCase("sklearn.linear_model", "scikit-learn")]
    [TestCase("skimage", "scikit-image")]
    [TestCase("google.protobuf", "protobuf")]
    [TestCase("google.protobuf.message", "protobuf")]
    [TestCase("dotenv", "python-dotenv")]
    [TestCase("dateutil.parser", "python-dateutil")]
    [TestCase("bs4", "beautifulsoup4")]
    [TestCase("grpc", "grpcio")]
    [TestCase("attr", "attrs")]
    [TestCase("jwt", "PyJWT")]
    [TestCase("git", "GitPython")]
    [TestCase("Crypto.Cipher.AES", "pycryptodome")]
    [TestCase("OpenSSL", "pyOpenSSL")]
    [TestCase("nacl", "PyNaCl")]
    [TestCase("fitz", "PyMuPDF")]
    [TestCase("faiss", "faiss-cpu")]
    [TestCase("websocket", "websocket-client")]
    [TestCase("serial", "pyserial")]
    [TestCase("usb.core", "pyusb")]
    [TestCase("socks", "PySocks")]
    [TestCase("psycopg2.extras", "psycopg2-binary")]
    [TestCase("pkg_resources", "setuptools")]
    [TestCase("googleapiclient.discovery", "google-api-python-client")]
    [TestCase("speech_recognition", "SpeechRecognition")]
    [TestCase("telegram.ext", "python-telegram-bot")]
    [TestCase("magic", "python-magic")]
    [TestCase("docx", "python-docx")]
    [TestCase("pptx", "python-pptx")]
    [TestCase("Levenshtein", "python-Levenshtein")]
    [TestCase("sentencepiece", "sentencepiece")]
    [TestCase("torch.nn", "torch")]
    [TestCase("jose.jwt", "python-jose")]
    [TestCase("multipart", "python-multipart")]
    [TestCase("engineio", "python-engineio")]
    [TestCase("socketio", "python-socketio")]
    [TestCase("lxml.etree", "lxml")]
    [TestCase("MySQLdb", "mysqlclient")]
    [TestCase("sounddevice", "sounddevice")]
    [TestCase("soundfile", "soundfile")]
    [TestCase("pyaudio", "PyAudio")]
    [TestCase("whisper", "openai-whisper")]
    [TestCase("TTS.api", "TTS")]
    [TestCase("opentelemetry.sdk.trace", "opentelemetry-sdk")]
    [TestCase("opentelemetry.trace", "opentelemetry-api")]
    public void The_built_in_table_maps_a_module_by_its_longest_dotted_prefix(string module, string distribution) =>
        ModuleMap.Distribution(module, None).ShouldBe(distribution);

    [TestCase("kiln_demo_fleet", "kiln-demo-fleet")]
    [TestCase("requests.adapters", "requests")]
    [TestCase("Flask_Cors", "flask-cors")]
    public void An_unlisted_module_is_its_top_level_name_normalised(string module, string distribution) =>
        ModuleMap.Distribution(module, None).ShouldBe(distribution);

    [Test]
    public void The_fleets_module_map_wins_and_its_longest_prefix_too()
    {
        var overrides = new Dictionary<string, string>
        {
            ["cv2"] = "opencv-contrib-python-headless",
            ["google"] = "google-everything",
            ["google.cloud.vision"] = "google-cloud-vision",
        };

        ModuleMap.Distribution("cv2", overrides).ShouldBe("opencv-contrib-python-headless");
        ModuleMap.Distribution("google.cloud.vision.types", overrides).ShouldBe("google-cloud-vision");
        ModuleMap.Distribution("google.protobuf", overrides).ShouldBe("google-everything", "an override's shorter prefix still beats the built-in table");
        ModuleMap.Distribution("yaml", overrides).ShouldBe("PyYAML");
    }

    [Test]
    public void The_modules_of_a_distribution_are_the_reverse_plus_its_own_name()
    {
        ModuleMap.ModulesOf("kiln-demo-fleet", None).ShouldBe(["kiln_demo_fleet"]);
        ModuleMap.ModulesOf("pyyaml", None).ShouldBe(["pyyaml", "yaml"]);
        ModuleMap.ModulesOf("PyMongo", None).ShouldBe(["bson", "gridfs", "pymongo"]);
        ModuleMap.ModulesOf("googleapis_common_protos", None).ShouldBe(["google.api", "google.rpc", "google.type", "googleapis_common_protos"]);
    }

    [Test]
    public void An_override_takes_a_module_away_from_its_built_in_distribution()
    {
        var overrides = new Dictionary<string, string> { ["yaml"] = "yaml-alternative", ["kiln_wire"] = "Kiln.Demo_Wire" };

        ModuleMap.ModulesOf("PyYAML", overrides).ShouldBe(["pyyaml"]);
        ModuleMap.ModulesOf("kiln-demo-wire", overrides).ShouldBe(["kiln_demo_wire", "kiln_wire"]);
    }

    [Test]
    public void Every_built_in_entry_is_a_dotted_module_and_a_distribution_name()
    {
        foreach (var (module, distribution) in ModuleMap.BuiltIn)
        {
            module.ShouldMatch(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$");
            distribution.ShouldMatch(@"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$");
        }
    }
}
