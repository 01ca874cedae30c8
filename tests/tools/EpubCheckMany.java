// EPUBCheck on many EPUBs in one Java process (each `java -jar epubcheck.jar` pays a second of
// start-up). Run by tests/conftest.py (epubcheck_many) as a single-file program:
//   java -cp "epubcheck.jar:lib/*" EpubCheckMany.java a.epub b.epub ...
// Prints each message as EPUBCheck does, then "RESULT<tab>file<tab>errors<tab>warnings<tab>fatal".
import com.adobe.epubcheck.api.EpubCheck;
import com.adobe.epubcheck.util.DefaultReportImpl;
import java.io.File;

public class EpubCheckMany {
    public static void main(String[] args) {
        for (String name : args) {
            DefaultReportImpl report = new DefaultReportImpl(name);
            new EpubCheck(new File(name), report).doValidate();
            System.out.println("RESULT\t" + name + "\t" + report.getErrorCount() + "\t" + report.getWarningCount() + "\t" + report.getFatalErrorCount());
        }
    }
}
