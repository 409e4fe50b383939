"""Wording and names for the demo tenant (core.seed): a Chinese carrier's customers and staff.

Each category has ten "subject | first message" lines per language, so seeded inboxes read like
real ones; replies, follow-ups and notes are shared.
"""

from __future__ import annotations

Lines = dict[str, list[str]]

OPENERS: dict[str, Lines] = {
    "billing": {
        "zh": [
            "话费多扣了50元 | 这个月话费怎么多扣了50元？我的套餐是每月129元，账单却显示179元。",
            "账单里有不认识的增值业务 | 账单里有一项“视频彩铃”每月10元，我从来没开通过，请退订并退款。",
            "流量超额费用太高 | 上个月流量超了2G，被扣了60块，为什么没有收到提醒短信？",
            "充值未到账 | 昨晚用微信充值了100元，到现在余额还没变化，订单号可以提供。",
            "申请增值税发票 | 公司需要开具上季度的增值税专用发票，请问怎么申请？",
            "自动扣费失败 | 绑定的银行卡自动扣费失败了，会不会停机？现在怎么补缴？",
            "国际长途费用异常 | 我没有打过国际电话，账单上却有三笔国际长途，一共200多元。",
            "套餐变更后费用不对 | 月中换成了5G畅享199，这个月却按两个套餐全额收费了。",
            "需要账单明细 | 请把最近三个月的详细通话和流量账单发到我的邮箱。",
            "宽带和手机合并付费 | 想把家里宽带和手机话费合并成一张账单，可以吗？",
        ],
        "en": [
            "Charged twice this month | I was charged twice for my plan this month, two payments of ¥129. Please refund one.",
            "Unknown service on my bill | My bill has a 'Video Ringtone' service at ¥10 a month that I never ordered. Please cancel and refund it.",
            "Data overage charges | I was charged ¥60 for extra data but never got a warning SMS. Why?",
            "Top-up not credited | I topped up ¥100 via Alipay last night and my balance still hasn't changed.",
            "Need a VAT invoice | Our company needs a VAT invoice for last quarter. How do I request it?",
            "Autopay failed | The automatic payment from my bank card failed. Will my line be cut off? How can I pay now?",
            "International calls I never made | My bill shows three international calls I never made, over ¥200 in total.",
            "Wrong charge after plan change | I switched to 5G Unlimited mid-month and was billed the full price of both plans.",
            "Itemised bill request | Please email me an itemised bill for the last three months.",
            "One bill for broadband and mobile | Can I combine my home broadband and mobile bills into one invoice?",
        ],
    },
    "network_fault": {
        "zh": [
            "家里没信号 | 从昨天开始家里一点信号都没有，打电话总是掉线。",
            "晚上网速很慢 | 最近晚上网速特别慢，测速只有1M，看视频一直卡。",
            "小区信号差 | 我们小区（望京西园）信号一直很差，室内基本只有一格。",
            "通话有杂音 | 打电话对方听不清，有很大的杂音和回声，换了手机也一样。",
            "有5G信号但上不了网 | 手机显示有5G信号但是上不了网，重启了好几次都不行。",
            "收不到短信 | 这两天收不到验证码短信，银行和快递的短信都没收到。",
            "地铁里断网 | 每天坐地铁10号线都断网，用其他运营商的同事都正常。",
            "办公楼信号弱 | 我们公司在写字楼18层，整层信号都很弱，能不能安排优化？",
            "通话频繁掉线 | 通话经常在两三分钟后自动断掉，已经持续一周了。",
            "故障什么时候恢复 | 听说附近基站在维修，请问什么时候能恢复正常？",
        ],
        "en": [
            "No signal at home | No signal at home since yesterday, dropped calls all the time.",
            "Very slow mobile data | Mobile data crawls every evening this week, speed tests show under 1 Mbps.",
            "Poor coverage in my building | Coverage inside my apartment building is terrible, one bar at best.",
            "Static and echo on calls | People can't hear me on calls, there's loud static and echo. Same with another phone.",
            "5G shows but nothing loads | My phone shows 5G but nothing loads. I've rebooted several times.",
            "Not receiving SMS | I haven't received any SMS for two days, including bank verification codes.",
            "Data drops on the metro | Data drops out every day on Metro Line 10; colleagues on other carriers are fine.",
            "Weak signal in our office | Our office on the 18th floor has weak signal across the whole floor. Can you improve it?",
            "Calls keep dropping | My calls cut off after two or three minutes. It has been like this for a week.",
            "When will the outage end? | I heard the tower nearby is under maintenance. When will service be back?",
        ],
    },
    "device_repair": {
        "zh": [
            "手机无法开机 | 在营业厅买的手机用了半年突然开不了机，还在保修期内。",
            "光猫亮红灯 | 家里光猫的LOS灯一直亮红灯，上不了网。",
            "路由器频繁重启 | 你们送的路由器每隔一小时就自动重启一次。",
            "屏幕出现绿线 | 合约机屏幕出现一条绿线，请问怎么申请维修？",
            "维修进度查询 | 上周送修的手机，维修单号RO20240312，现在进度怎么样了？",
            "机顶盒没有信号 | IPTV机顶盒显示“无信号”，遥控器也没反应。",
            "电池鼓包 | 手机电池鼓包了，后盖都顶起来了，能免费更换吗？",
            "预约上门维修 | 光猫坏了，想预约周六上午上门更换。",
            "无法识别SIM卡 | 手机提示“无SIM卡”，换到别的手机上也读不出来。",
            "维修后问题依旧 | 手机修好拿回来两天又出现同样的问题，很失望。",
        ],
        "en": [
            "Phone won't turn on | The phone I bought in your store six months ago won't turn on. It's under warranty.",
            "Red light on the fibre modem | The LOS light on my fibre modem is solid red and there's no internet.",
            "Router keeps rebooting | The router you provided restarts by itself every hour or so.",
            "Green line on screen | A green line appeared on my contract phone's screen. How do I get it repaired?",
            "Repair status | I sent my phone for repair last week, order RO20240312. Any update?",
            "Set-top box shows no signal | The IPTV box says 'No signal' and ignores the remote.",
            "Swollen battery | My phone battery is swollen and pushing the back cover off. Can you replace it for free?",
            "Book a technician | My modem is broken. Can a technician replace it on Saturday morning?",
            "SIM card not detected | My phone says 'No SIM' and the card doesn't work in another phone either.",
            "Same fault after repair | Two days after the repair the same problem is back. Very disappointing.",
        ],
    },
    "complaint": {
        "zh": [
            "投诉客服态度 | 昨天打客服电话，接线员态度很差，问题也没解决，要求给个说法。",
            "多次报修无人处理 | 宽带故障报修三次了，每次都说48小时内上门，到现在没人来。",
            "营业厅捆绑销售 | 在营业厅办业务时被要求必须买一张流量卡才能办理，这合理吗？",
            "未经同意变更套餐 | 我的套餐未经同意被改成了更贵的，要求恢复并退还差价。",
            "营销电话骚扰 | 每天都接到你们推销宽带的电话，说过不需要了，请停止。",
            "承诺的优惠没兑现 | 办理时说好赠送6个月视频会员，到现在都没有到账。",
            "携号转网被阻挠 | 申请携号转网一直提示有未结清的合约，但合约早就到期了。",
            "热线等待时间太长 | 打了三次热线，每次都排队20分钟以上，太浪费时间了。",
            "怀疑个人信息泄露 | 刚办完业务就接到各种推销电话，怀疑个人信息被泄露。",
            "要求升级投诉 | 这个问题反映一个月了还没解决，我要投诉到工信部。",
        ],
        "en": [
            "Rude hotline agent | The agent I spoke to yesterday was rude and solved nothing. I want this looked into.",
            "Repair visit never happened | I reported my broadband fault three times, each time promised a visit within 48 hours. Nobody came.",
            "Forced bundle in the store | The store said I had to buy an extra data SIM to get my upgrade. Is that allowed?",
            "Plan changed without consent | My plan was switched to a pricier one without my consent. Please revert it and refund me.",
            "Stop the sales calls | You call me every day to sell broadband. I've said no several times, please stop.",
            "Promised offer not honoured | I was promised six months of free video membership. It never arrived.",
            "Number porting blocked | Porting my number out keeps failing over an 'unfinished contract' that ended long ago.",
            "Hotline waiting times | I called the hotline three times and waited over 20 minutes each time.",
            "Possible data leak | Right after signing up in your store I started getting spam calls. Was my data leaked?",
            "Escalating my complaint | This has been open for a month with no solution. I'm taking it to the regulator.",
        ],
    },
    "account_change": {
        "zh": [
            "更换套餐 | 想把现在的套餐换成5G畅享129，下个月生效可以吗？",
            "办理过户 | 父亲名下的号码想过户到我名下，需要带哪些材料？",
            "修改联系邮箱 | 请把我账户的联系邮箱改成新的邮箱地址。",
            "申请停机保号 | 我要出国一年，想办理停机保号，每月费用是多少？",
            "增加副卡 | 想给家人加两张副卡共享流量，怎么办理？",
            "开通国际漫游 | 请帮我开通国际漫游功能，下周出差要用。",
            "注销号码 | 这个号码不用了，想注销，需要先结清哪些费用？",
            "补办SIM卡 | 手机丢了，需要补办SIM卡，可以邮寄吗？",
            "重置服务密码 | 忘记了服务密码，怎么重置？",
            "宽带移机 | 下个月搬家，宽带需要移机到新地址。",
        ],
        "en": [
            "Switch plans | I'd like to switch to 5G Unlimited 129 from next month. Is that possible?",
            "Transfer a number to my name | I want my father's number transferred to my name. What documents do I need?",
            "Update my contact email | Please change the contact email on my account to my new address.",
            "Suspend my line while abroad | I'm moving abroad for a year. Can I suspend my line and keep the number?",
            "Add family lines | I'd like two family SIMs sharing my data allowance. How do I add them?",
            "Enable roaming | Please enable international roaming on my line, I travel next week.",
            "Cancel my number | I no longer need this number. What must I pay before cancelling?",
            "Replacement SIM | I lost my phone and need a replacement SIM. Can you post it to me?",
            "Reset service password | I forgot my service password. How can I reset it?",
            "Move broadband to a new address | I'm moving next month and need my broadband moved to the new flat.",
        ],
    },
    "roaming": {
        "zh": [
            "漫游无法上网 | 我在日本，开了国际漫游但手机上不了网。",
            "漫游费用过高 | 去香港三天，回来发现漫游费扣了300多，没有任何提醒。",
            "推荐漫游套餐 | 下个月去欧洲10天，有什么划算的漫游流量包？",
            "境外收不到短信 | 在泰国收不到银行验证码短信，急需处理。",
            "漫游包未生效 | 买了港澳台5天流量包，但还在按标准资费扣费。",
            "境外无法拨打电话 | 在美国打电话一直提示呼叫失败。",
            "漫游时被停机 | 出国期间手机被停机了，余额明明还有。",
            "退订漫游包 | 行程取消了，想退订已购买的漫游流量包。",
            "出国前开通漫游 | 明天出国，现在开通国际漫游来得及吗？",
            "境外接听收费 | 在国外接电话也要收费吗？怎么收？",
        ],
        "en": [
            "No data while roaming | I'm in Japan with roaming on, but mobile data doesn't work.",
            "Huge roaming bill | Three days in Hong Kong cost me over ¥300 in roaming without a single warning.",
            "Roaming pack for Europe | I'm in Europe for 10 days next month. Which roaming pack is the best value?",
            "No SMS abroad | I can't receive bank verification texts in Thailand. Urgent, please help.",
            "Roaming pack not applied | I bought a 5-day roaming pack but I'm still charged standard rates.",
            "Can't call from abroad | Every call I try in the US fails with 'call failed'.",
            "Line suspended abroad | My line was suspended while abroad although I still have credit.",
            "Refund a roaming pack | My trip was cancelled. Can I get a refund for the roaming pack?",
            "Roaming before departure | I fly out tomorrow. Is there still time to enable roaming?",
            "Incoming calls abroad | Do I pay for incoming calls while abroad? How much?",
        ],
    },
    "broadband": {
        "zh": [
            "宽带断网 | 家里宽带从早上开始就断了，光猫指示灯都正常。",
            "宽带速度达不到 | 办的是1000M宽带，测速只有200M左右。",
            "晚上宽带卡顿 | 每天晚上8点以后玩游戏延迟特别高。",
            "新装宽带预约 | 新房想装宽带，最快什么时候可以上门安装？",
            "卧室WiFi信号差 | 卧室WiFi信号很差，能否加装一个子路由？",
            "宽带续约优惠 | 宽带合约快到期了，续约有什么优惠？",
            "IPTV画面卡顿 | 看电视直播经常卡住转圈。",
            "查询宽带账号密码 | 路由器重置后需要宽带账号密码，在哪里查？",
            "升级千兆宽带 | 想把300M宽带升级到千兆，需要换设备吗？",
            "宽带频繁掉线 | 宽带每天掉线好几次，每次要重启光猫才能恢复。",
        ],
        "en": [
            "Broadband down since morning | Home broadband has been down since this morning; the modem lights look normal.",
            "Not getting my speed | I pay for 1000M fibre but speed tests show about 200M.",
            "Lag every evening | Every evening after 8 pm my ping in games shoots up.",
            "New installation | We just moved in. How soon can someone install broadband?",
            "Wi-Fi doesn't reach the bedroom | Wi-Fi is very weak in the bedroom. Can you add a mesh node?",
            "Renewal offer | My broadband contract ends soon. What renewal offers do you have?",
            "IPTV keeps buffering | Live TV keeps freezing and buffering.",
            "Broadband login details | I reset my router and need my broadband username and password.",
            "Upgrade to gigabit | I want to go from 300M to gigabit. Do I need new equipment?",
            "Drops several times a day | Broadband disconnects several times a day until I reboot the modem.",
        ],
    },
    "feedback": {
        "zh": [
            "表扬客服 | 昨天的客服小王非常耐心，帮我解决了问题，特此表扬。",
            "App功能建议 | 建议App增加流量提醒的自定义设置。",
            "营业厅服务很好 | 朝阳门营业厅的工作人员服务很热情，点个赞。",
            "电子账单看不懂 | 电子账单分类太复杂，老人看不懂，建议简化。",
            "希望延长营业时间 | 营业厅晚上6点就关门，上班族根本来不及。",
            "满意度调查补充 | 收到满意度调查短信，补充一下：维修师傅很专业。",
            "建议增加英文服务 | 希望App和热线提供更完整的英文服务。",
            "信号改善了，谢谢 | 之前反映的小区信号问题已经改善了，谢谢。",
            "智能客服不好用 | 在线智能客服听不懂我的问题，总是答非所问。",
            "活动规则不清楚 | 积分兑换活动的规则写得不清楚，建议说明得更明白。",
        ],
        "en": [
            "Great support yesterday | The agent who helped me yesterday was patient and fixed my issue. Thank you!",
            "App suggestion | Please let me set my own data usage alerts in the app.",
            "Friendly store staff | The staff at the Chaoyangmen store were really helpful.",
            "Bill is hard to read | The e-bill categories are confusing. Please make it simpler.",
            "Longer store hours | Stores close at 6 pm, which is impossible for people who work.",
            "Survey follow-up | About your survey: the repair technician was very professional.",
            "More English support | Please offer fuller English support in the app and on the hotline.",
            "Coverage is better now | The signal problem I reported in my neighbourhood is fixed. Thanks.",
            "Chatbot doesn't understand | The online assistant never understands my questions.",
            "Unclear promotion rules | The points promotion rules are unclear. Please explain them better.",
        ],
    },
    "copyright": {
        "zh": [
            "IPTV点播侵权 | 你们IPTV点播里的纪录片《山河》是我们公司的作品，未经授权播出，请下架。",
            "版权合作咨询 | 我们是一家影视公司，希望与贵公司洽谈内容版权合作。",
            "彩铃使用了我的音乐 | 我的原创歌曲被用作彩铃素材，未获授权，请处理。",
            "下架通知函 | 附件是版权方出具的下架通知函，请在5个工作日内处理。",
            "授权证明材料 | 贵平台要求我们提供授权证明，请问需要哪些文件？",
            "内容合作分成未结算 | 去年签订的内容合作协议，第四季度分成还没有结算。",
            "用户上传内容侵权 | 你们短视频频道有用户上传了我们的赛事直播片段。",
            "宣传海报图片侵权 | 你们的宣传海报使用了我拍摄的照片，没有署名也没有授权。",
            "渠道合作申请 | 我们是手机经销商，想成为贵公司的授权合作渠道。",
            "下架申诉 | 我们的节目被误判为侵权下架，现提出申诉。",
        ],
        "en": [
            "Unlicensed documentary on IPTV | Your IPTV library shows our documentary 'Rivers and Mountains' without a licence. Please take it down.",
            "Content licensing partnership | We are a film studio and would like to license our catalogue to your video service.",
            "My song used as a ringback tone | One of my original songs is sold as a ringback tone without my permission.",
            "Takedown notice | Attached is a takedown notice from the rights holder. Please act within five business days.",
            "Proof of licence | Your platform asked us for proof of licence. Which documents do you need?",
            "Revenue share not settled | The Q4 revenue share under last year's content agreement is still unpaid.",
            "User uploads infringe our rights | Users uploaded clips of our live sports broadcasts to your short-video channel.",
            "Photo used without credit | Your advertising poster uses my photo without credit or permission.",
            "Becoming an authorised reseller | We are a handset retailer and would like to become an authorised partner.",
            "Appeal against takedown | Our programme was wrongly taken down as infringing. We'd like to appeal.",
        ],
    },
}

AGENT_REPLIES: dict[str, Lines] = {
    "billing": {
        "zh": [
            "您好，感谢您联系北风电信。已核实您的账单，多扣的费用将在3个工作日内退回原支付账户。",
            "您好，已为您退订该增值业务，并申请退还近三个月的费用，请留意短信通知。",
            "您好，账单明细已发送至您的注册邮箱，如有疑问请随时联系我们。",
        ],
        "en": [
            "Hello, thank you for contacting Northwind Telecom. The extra charge will be refunded to your original payment method within 3 business days.",
            "I've cancelled the service and requested a refund for the last three months; you'll get an SMS confirmation.",
            "Your itemised bill has been sent to your registered email address.",
        ],
    },
    "network_fault": {
        "zh": [
            "您好，已为您提交网络故障工单，技术人员将在24小时内联系您。",
            "您好，您所在区域的基站正在维护，预计今晚22点前恢复，给您带来不便深表歉意。",
            "您好，请先重启手机并手动选择网络，如仍有问题请回复我们。",
        ],
        "en": [
            "We've opened a network fault ticket for your area; an engineer will contact you within 24 hours.",
            "The cell site near you is under maintenance and should be back by 10 pm tonight. Sorry for the trouble.",
            "Please restart your phone and select the network manually. If it still fails, reply here and we'll dig deeper.",
        ],
    },
    "device_repair": {
        "zh": [
            "您好，已为您创建维修单，可选择到店维修或寄修，保修期内免费。",
            "您好，已预约技术人员上门更换设备，届时会提前电话联系您。",
            "您好，请将设备断电30秒后重新启动，如仍有问题我们将安排更换。",
        ],
        "en": [
            "I've created a repair order. You can bring the device to a store or ship it; repairs under warranty are free.",
            "A technician visit is booked to replace the device; they will call before arriving.",
            "Please unplug the device for 30 seconds and power it back on. If that doesn't help we'll replace it.",
        ],
    },
    "complaint": {
        "zh": [
            "您好，非常抱歉给您带来不好的体验，投诉已登记，我们会在24小时内给您答复。",
            "您好，已将您的情况转交相关部门核查，处理进展会及时通知您。",
            "您好，已将您的号码加入营销免打扰名单，7个工作日内生效。",
        ],
        "en": [
            "I'm very sorry about your experience. Your complaint is registered and we'll reply within 24 hours.",
            "I've passed your case to the responsible department and will keep you updated.",
            "Your number is now on our do-not-call list; it takes effect within 7 business days.",
        ],
    },
    "account_change": {
        "zh": [
            "您好，套餐变更已受理，将于下月1日生效。",
            "您好，过户需要双方携带身份证原件到营业厅办理，材料清单已短信发送给您。",
            "您好，已为您更新账户信息，请留意确认短信。",
        ],
        "en": [
            "Your plan change is processed and takes effect on the 1st of next month.",
            "Both parties need to visit a store with their ID cards for the transfer; I've texted you the checklist.",
            "Your account details are updated; you'll receive a confirmation SMS.",
        ],
    },
    "roaming": {
        "zh": [
            "您好，已为您开通国际漫游，请在手机设置中打开“数据漫游”。",
            "您好，经核实漫游包生效时间有误，多扣的费用将予以退还。",
            "您好，推荐您办理欧洲10天流量包，98元含10GB。",
        ],
        "en": [
            "International roaming is now enabled. Please switch on 'Data roaming' in your phone settings.",
            "The roaming pack was activated late; the extra charges will be refunded.",
            "I'd recommend our Europe 10-day pack: ¥98 for 10 GB.",
        ],
    },
    "broadband": {
        "zh": [
            "您好，远程检测到您的线路异常，已派单给装维人员，预计明天上门处理。",
            "您好，已远程为您的光猫重新下发配置，请重启后测试。",
            "您好，千兆升级已受理，工程师会与您预约上门更换光猫。",
        ],
        "en": [
            "I can see a fault on your line and have dispatched a technician; they should visit tomorrow.",
            "I've pushed a fresh configuration to your modem. Please restart it and test again.",
            "Your gigabit upgrade is booked; an engineer will call to arrange the modem swap.",
        ],
    },
    "feedback": {
        "zh": [
            "您好，非常感谢您的反馈，我们会转达给相关同事。",
            "您好，您的建议已记录并提交给产品团队。",
            "您好，感谢您的认可，我们会继续努力！",
        ],
        "en": [
            "Thank you very much for your feedback; I'll pass it on to the team.",
            "Your suggestion is logged and forwarded to our product team.",
            "Thank you for the kind words, we'll keep it up!",
        ],
    },
    "copyright": {
        "zh": [
            "您好，已收到您的来函，版权团队将在5个工作日内核实并回复。",
            "您好，您的合作意向已转交商务合作部，负责人会与您联系。",
            "您好，涉事内容已暂时下架，待核实授权后给您正式答复。",
        ],
        "en": [
            "We've received your notice; our rights team will review it and reply within five business days.",
            "Your enquiry has gone to our business development team, who will contact you.",
            "The content has been taken down pending verification of the licence.",
        ],
    },
}

FOLLOW_UPS: Lines = {
    "zh": [
        "好的，谢谢，请问大概什么时候能处理好？",
        "我按你们说的试了，还是不行。",
        "补充一下，问题是从上周五开始的。",
        "收到，麻烦尽快处理。",
        "我的账户后四位是3856，身份证后四位是0412。",
        "截图已附上，请查看。",
        "还是没有解决，我需要一个明确的答复。",
    ],
    "en": [
        "Thanks, roughly how long will this take?",
        "I tried what you suggested and it still doesn't work.",
        "To add: the problem started last Friday.",
        "Got it, please sort it out as soon as possible.",
        "The last four digits of my account number are 3856.",
        "I've attached a screenshot.",
        "Still not solved. I need a clear answer.",
    ],
}

CLOSINGS: Lines = {
    "zh": [
        "问题已为您处理完毕，请问还有其他可以帮您的吗？稍后会有满意度调查短信，感谢您的评价。",
        "已确认问题解决，如有其他需要欢迎随时联系我们。",
        "感谢您的耐心等待，工单已完成，祝您生活愉快！",
    ],
    "en": [
        "That's all sorted now. Is there anything else I can help with? A short satisfaction survey will follow.",
        "Glad to confirm it's resolved. Contact us any time if you need anything else.",
        "Thanks for your patience, the case is complete. Have a great day!",
    ],
}

HANDOFF_NOTES: Lines = {
    "zh": [
        "转{queue}：客户反映“{summary}”，已做基础排查未解决，身份已核验：{verified}。",
        "升级至{queue}。诉求：{summary}；已告知客户处理时限，身份已核验：{verified}。",
    ],
    "en": [
        "Escalating to {queue}: customer reports '{summary}'. Basic checks done, not solved. Identity verified: {verified}.",
        "Handing over to {queue}. Issue: {summary}. Customer told the timeline. Identity verified: {verified}.",
    ],
}

NOTES: Lines = {
    "zh": [
        "已回拨客户确认情况。",
        "老客户，注意安抚情绪。",
        "已查询网管系统，无相关故障告警。",
    ],
    "en": [
        "Called the customer back to confirm details.",
        "Long-standing customer, handle with care.",
        "Checked the NMS: no related fault alarms.",
    ],
}

YES_NO: dict[str, tuple[str, str]] = {"zh": ("是", "否"), "en": ("yes", "no")}

# Staff names with their pinyin, so 王芳 gets fang.wang@...
SURNAMES: list[tuple[str, str]] = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("郭", "guo"), ("何", "he"), ("林", "lin"), ("罗", "luo"), ("高", "gao"),
]  # fmt: skip
GIVEN_NAMES: list[tuple[str, str]] = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
    ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("霞", "xia"), ("平", "ping"),
    ("晓东", "xiaodong"), ("雪", "xue"), ("欣怡", "xinyi"), ("子涵", "zihan"),
    ("浩然", "haoran"), ("宇轩", "yuxuan"), ("思雨", "siyu"), ("俊杰", "junjie"),
]  # fmt: skip

CITIES: list[tuple[str, str]] = [
    ("北京", "Beijing"), ("天津", "Tianjin"), ("广州", "Guangzhou"), ("深圳", "Shenzhen"),
    ("上海", "Shanghai"), ("杭州", "Hangzhou"), ("成都", "Chengdu"), ("武汉", "Wuhan"),
    ("南京", "Nanjing"), ("西安", "Xi'an"),
]  # fmt: skip

PLANS: dict[str, list[str]] = {
    "consumer": ["5G Unlimited", "5G Unlimited 129", "5G Family 199", "4G Basic 39", "Prepaid 19",
                 "Fibre 300M + 5G", "Fibre 1000M"],
    "business": ["Business Pro 5G", "Fibre 1000M Business", "Business Fleet 50"],
    "government": ["Government Secure 5G", "Dedicated Line 10G"],
}  # fmt: skip
