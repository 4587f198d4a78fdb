import {
  IconBrandInstagram,
  IconBrandLine,
  IconBrandMessenger,
  IconBrandTelegram,
  IconBrandWechat,
  IconBrandWhatsapp,
  IconMail,
  IconMessageCircle,
  IconPhone,
} from "@tabler/icons-react";

const icons: Record<string, typeof IconMail> = {
  whatsapp: IconBrandWhatsapp,
  telegram: IconBrandTelegram,
  messenger: IconBrandMessenger,
  instagram: IconBrandInstagram,
  wechat: IconBrandWechat,
  line: IconBrandLine,
  email: IconMail,
  voice: IconPhone,
  phone: IconPhone,
};

/** The channel's icon, labelled with its name for screen readers. */
export function ChannelIcon({ channel, size = 20 }: { channel: string; size?: number }) {
  const Icon = icons[channel] ?? IconMessageCircle;
  return <Icon size={size} role="img" aria-label={channel} />;
}
