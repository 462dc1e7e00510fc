using Build.Fleet;

namespace Build.Locking;

/// <summary>
/// Which distribution provides an imported module. Most distributions are named after their top-level module
/// (pip treats '_' and '-' alike), so the table lists only the ones that are not, plus a few whose obvious
/// alternative is the wrong choice for a container (e.g. the headless OpenCV build).
/// </summary>
public static class ModuleMap
{
    /// <summary>Dotted module prefix → distribution; the longest matching prefix wins.</summary>
    public static IReadOnlyDictionary<string, string> BuiltIn { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["_distutils_hack"] = "setuptools",
        ["absl"] = "absl-py",
        ["attr"] = "attrs",
        ["azure.identity"] = "azure-identity",
        ["azure.storage.blob"] = "azure-storage-blob",
        ["Bio"] = "biopython",
        ["bluetooth"] = "PyBluez",
        ["bs4"] = "beautifulsoup4",
        ["bson"] = "pymongo",
        ["cairo"] = "pycairo",
        ["can"] = "python-can",
        ["cassandra"] = "cassandra-driver",
        ["Crypto"] = "pycryptodome",
        ["Cryptodome"] = "pycryptodomex",
        ["cv2"] = "opencv-python-headless",
        ["dateutil"] = "python-dateutil",
        ["dbus"] = "dbus-python",
        ["discord"] = "discord.py",
        ["dns"] = "dnspython",
        ["docx"] = "python-docx",
        ["dotenv"] = "python-dotenv",
        ["engineio"] = "python-engineio",
        ["faiss"] = "faiss-cpu",
        ["fitz"] = "PyMuPDF",
        ["gi"] = "PyGObject",
        ["git"] = "GitPython",
        ["google.api"] = "googleapis-common-protos",
        ["google.auth"] = "google-auth",
        ["google.cloud.bigquery"] = "google-cloud-bigquery",
        ["google.cloud.firestore"] = "google-cloud-firestore",
        ["google.cloud.pubsub"] = "google-cloud-pubsub",
        ["google.cloud.pubsub_v1"] = "google-cloud-pubsub",
        ["google.cloud.storage"] = "google-cloud-storage",
        ["google.genai"] = "google-genai",
        ["google.generativeai"] = "google-generativeai",
        ["google.oauth2"] = "google-auth",
        ["google.protobuf"] = "protobuf",
        ["google.rpc"] = "googleapis-common-protos",
        ["google.type"] = "googleapis-common-protos",
        ["googleapiclient"] = "google-api-python-client",
        ["grpc"] = "grpcio",
        ["grpc_status"] = "grpcio-status",
        ["grpc_tools"] = "grpcio-tools",
        ["gridfs"] = "pymongo",
        ["jose"] = "python-jose",
        ["jwt"] = "PyJWT",
        ["kafka"] = "kafka-python",
        ["ldap"] = "python-ldap",
        ["Levenshtein"] = "python-Levenshtein",
        ["llama_cpp"] = "llama-cpp-python",
        ["lxml"] = "lxml",
        ["magic"] = "python-magic",
        ["markdown_it"] = "markdown-it-py",
        ["memcache"] = "python-memcached",
        ["mpl_toolkits"] = "matplotlib",
        ["multipart"] = "python-multipart",
        ["MySQLdb"] = "mysqlclient",
        ["nacl"] = "PyNaCl",
        ["nats"] = "nats-py",
        ["OpenGL"] = "PyOpenGL",
        ["OpenSSL"] = "pyOpenSSL",
        ["opentelemetry"] = "opentelemetry-api",
        ["opentelemetry.exporter.otlp"] = "opentelemetry-exporter-otlp",
        ["opentelemetry.instrumentation"] = "opentelemetry-instrumentation",
        ["opentelemetry.sdk"] = "opentelemetry-sdk",
        ["osgeo"] = "GDAL",
        ["paho"] = "paho-mqtt",
        ["PIL"] = "Pillow",
        ["pkg_resources"] = "setuptools",
        ["pptx"] = "python-pptx",
        ["psycopg2"] = "psycopg2-binary",
        ["pyaudio"] = "PyAudio",
        ["pylab"] = "matplotlib",
        ["RPi"] = "RPi.GPIO",
        ["ruamel.yaml"] = "ruamel.yaml",
        ["sentencepiece"] = "sentencepiece",
        ["serial"] = "pyserial",
        ["serial_asyncio"] = "pyserial-asyncio",
        ["skimage"] = "scikit-image",
        ["sklearn"] = "scikit-learn",
        ["slugify"] = "python-slugify",
        ["snappy"] = "python-snappy",
        ["socketio"] = "python-socketio",
        ["socks"] = "PySocks",
        ["sounddevice"] = "sounddevice",
        ["soundfile"] = "soundfile",
        ["speech_recognition"] = "SpeechRecognition",
        ["systemd"] = "systemd-python",
        ["telegram"] = "python-telegram-bot",
        ["torch"] = "torch",
        ["tree"] = "dm-tree",
        ["TTS"] = "TTS",
        ["usb"] = "pyusb",
        ["vlc"] = "python-vlc",
        ["websocket"] = "websocket-client",
        ["whisper"] = "openai-whisper",
        ["wx"] = "wxPython",
        ["Xlib"] = "python-xlib",
        ["yaml"] = "PyYAML",
        ["zmq"] = "pyzmq",
    };

    /// <summary>
    /// The distribution to install for <paramref name="dottedModule"/>: the fleet's module_map first, then the
    /// built-in table (longest dotted prefix in each), else the top-level module's own name, PEP 503-normalised.
    /// </summary>
    public static string Distribution(string dottedModule, IReadOnlyDictionary<string, string> overrides)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dottedModule);
        ArgumentNullException.ThrowIfNull(overrides);
        var module = dottedModule.Trim();
        return LongestPrefix(module, overrides) ?? LongestPrefix(module, BuiltIn) ?? FleetFamilies.NormalizePackage(module.Split('.')[0]);
    }

    /// <summary>
    /// Every module the table and the overrides attribute to <paramref name="distribution"/> (an override hides the
    /// built-in entry for the same module), plus its normalised name with '-' as '_' (kiln-demo-fleet provides kiln_demo_fleet).
    /// </summary>
    public static IReadOnlySet<string> ModulesOf(string distribution, IReadOnlyDictionary<string, string> overrides)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(distribution);
        ArgumentNullException.ThrowIfNull(overrides);
        var normal = FleetFamilies.NormalizePackage(distribution);
        var result = new SortedSet<string>(StringComparer.Ordinal) { normal.Replace('-', '_') };
        foreach (var (module, dist) in BuiltIn.Where(e => !overrides.ContainsKey(e.Key)).Concat(overrides))
        {
            if (FleetFamilies.NormalizePackage(dist) == normal)
            {
                result.Add(module);
            }
        }

        return result;
    }

    private static string? LongestPrefix(string module, IReadOnlyDictionary<string, string> table)
    {
        for (var prefix = module; ; prefix = prefix[..prefix.LastIndexOf('.')])
        {
            if (table.TryGetValue(prefix, out var dist))
            {
                return dist;
            }

            if (!prefix.Contains('.', StringComparison.Ordinal))
            {
                return null;
            }
        }
    }
}
