import GateKit

extension IssueCode {
    static let headerFormat = IssueCode(
        "header.format",
        en: "must be 1 to {max} visible ASCII characters",
        vi: "gồm 1 đến {max} ký tự ASCII hiển thị được",
        zh: "须为 1 至 {max} 个可见 ASCII 字符")
    static let versionRequired = IssueCode(
        "version.required",
        en: "give the version you read, in the body or as If-Match",
        vi: "hãy gửi phiên bản đã đọc, trong nội dung hoặc tiêu đề If-Match",
        zh: "请在请求体或 If-Match 中提供读取时的版本")
    static let immutableField = IssueCode(
        "field.immutable",
        en: "cannot be changed by an amendment",
        vi: "không thể thay đổi khi sửa tờ khai",
        zh: "修改申报时不能更改")
    static let filterValue = IssueCode(
        "filter.value",
        en: "is not a valid filter value (got \"{actual}\")",
        vi: "không phải giá trị lọc hợp lệ (nhận được \"{actual}\")",
        zh: "不是有效的筛选值（实际为\"{actual}\"）")
}
